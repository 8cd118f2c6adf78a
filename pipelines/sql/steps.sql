-- The steps of the work-order pipeline (pipelines/steps/): each query is named after its step.

-- name: enrich_done
select enrichment is not null from public.work_orders where id = :id

-- name: enrich_done_locked
-- Locked so that a concurrent re-delivery cannot enrich twice.
select enrichment is not null from public.work_orders where id = :id for update

-- name: enrich_save
-- Fields the creator filled in are kept; the suggested priority replaces one nobody set.
update public.work_orders
   set enrichment = :enrichment, enrichment_source = :source,
       category = coalesce(category, :category), urgency = coalesce(urgency, :urgency),
       asset_make = coalesce(asset_make, :make), asset_model = coalesce(asset_model, :model),
       asset_year = coalesce(asset_year, :year), vin = coalesce(vin, :vin),
       plate = coalesce(plate, :plate), mileage = coalesce(mileage, :mileage),
       priority = case when priority_set_by is null then :priority else priority end,
       status = case when status = 'new' then 'planning' else status end
 where id = :id

-- name: enrich_to_planning
update public.work_orders set status = 'planning' where id = :id and status = 'new'

-- name: plan_enrichment
select enrichment from public.work_orders where id = :id

-- name: plan_lock_work_order
select 1 from public.work_orders where id = :id for update

-- name: plan_task_count
select count(*) from public.tasks where work_order_id = :id

-- name: plan_keep_tasks
-- The work order's tasks were made by a dispatcher (or an earlier attempt): they are its plan.
update public.work_orders
   set plan_source = coalesce(plan_source, 'dispatcher'),
       status = case when status in ('new', 'planning', 'needs_review') then 'planned' else status end,
       review_reasons = null
 where id = :id

-- name: plan_needs_review
update public.work_orders set status = 'needs_review', review_reasons = :reasons, plan_source = :source
 where id = :id

-- name: plan_insert_task
insert into public.tasks (work_order_id, position, name, duration_minutes, required_skill, required_bay_type, parts)
values (:work_order_id, :position, :name, :duration, :skill, :bay_type, :parts)
returning id

-- name: plan_insert_dependency
insert into public.task_dependencies (task_id, depends_on_task_id) values (:task_id, :depends_on)

-- name: plan_planned
update public.work_orders set status = 'planned', review_reasons = null, plan_source = :source where id = :id

-- name: schedule_try_lock
select pg_try_advisory_lock(:key)

-- name: schedule_unlock
select pg_advisory_unlock(:key)

-- name: schedule_unplaced
-- What the run left out, for the step's detail (work order statuses follow the tasks in the database).
select placed_tasks, unplaced_tasks, unplaced_minutes from public.schedule_runs where id = :id

-- name: notify_runs
select r.id::text, r.kind, w.id::text, w.number, w.status, w.plan_source, w.review_reasons, w.created_by::text,
       (select p.role from public.profiles p where p.id = w.created_by)
  from public.pipeline_runs r left join public.work_orders w on w.id = r.work_order_id
 where r.id = any(:run_ids::uuid[])
 order by r.created_at

-- name: notify_items
select i.task_id::text, t.work_order_id::text, t.name, i.technician_id::text, i.bay_id::text, i.starts_at, i.ends_at
  from public.schedule_items i join public.tasks t on t.id = i.task_id
 where i.run_id = :schedule_run_id

-- name: notify_announced
-- The schedule run announced last: technicians were told about its plan.
select r.id::text, r.created_at from public.events e join public.schedule_runs r on r.id = e.schedule_run_id
 where e.type = 'schedule.published'
 order by e.id desc limit 1

-- name: notify_schedule_run
select status, created_at from public.schedule_runs where id = :schedule_run_id

-- name: notify_at_risk
-- Work orders at risk with the tasks this schedule run could not place.
select w.id::text, w.number, t.id::text, t.name, i.why
  from public.schedule_items i join public.tasks t on t.id = i.task_id
  join public.work_orders w on w.id = t.work_order_id
 where i.run_id = :schedule_run_id and i.starts_at is null and w.status = 'at_risk'
 order by w.number, t.position, t.id

-- name: notify_tech_profiles
select id::text, profile_id::text from public.technicians where profile_id is not null

-- name: notify_move_reasons
-- Why the run moved each task it moved (pipelines/schedule_run.py writes the diff).
select task_id::text, reason from public.schedule_run_moves where run_id = :schedule_run_id
