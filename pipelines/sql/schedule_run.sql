-- The schedule run (pipelines/schedule_run.py): the shop as the scheduler sees it, the changes
-- the run answers, and what it writes back.

-- name: shop_timezone
select timezone from public.shop_settings

-- name: open_tasks
select t.id, t.name, t.work_order_id, t.duration_minutes, t.required_skill, t.required_bay_type,
       t.needs_parts, t.parts_ready_at, t.status, t.assigned_technician_id, t.bay_id,
       t.planned_start, t.planned_end, t.lock_start, t.lock_technician, t.lock_bay, t.version,
       t.blocked_reason, t.unplaced_reason
  from public.tasks t join public.work_orders w on w.id = t.work_order_id
 where t.status in ('pending', 'scheduled', 'in_progress', 'paused', 'blocked')
   and w.status not in ('done', 'cancelled')
 order by w.number, t.position, t.id

-- name: work_orders
select id, due_at, priority, number from public.work_orders where id = any(:ids::uuid[])

-- name: dependencies
select task_id, depends_on_task_id from public.task_dependencies where task_id = any(:ids::uuid[])

-- name: technicians
select id, name, skills from public.technicians where active order by name, id

-- name: bays
select id, name, bay_type from public.bays where active order by name

-- name: calendar
select kind, technician_id, bay_id, starts_at, ends_at, recurrence, recurrence_until
  from public.calendar_events
 where starts_at < :end
   and (case when recurrence = 'none' then ends_at > :start
             else recurrence_until >= (:start::timestamptz - interval '15 days')::date end)

-- Changes no run has answered yet, oldest first.
-- name: pending_changes
select c.id, c.scope, c.kind, c.detail, c.task_ids::text[], c.technician_ids::text[], c.bay_ids::text[],
       c.work_order_ids::text[]
  from public.schedule_changes c
 where c.schedule_run_id is null
 order by c.id

-- Names the reasons quote, whatever the task's, technician's or bay's state now.
-- name: change_names
select (select coalesce(jsonb_object_agg(t.id, t.name), '{}') from public.tasks t where t.id = any(:tasks::uuid[])),
       (select coalesce(jsonb_object_agg(p.id, p.name), '{}') from public.technicians p where p.id = any(:technicians::uuid[])),
       (select coalesce(jsonb_object_agg(b.id, b.name), '{}') from public.bays b where b.id = any(:bays::uuid[]))

-- name: answer_changes
update public.schedule_changes set schedule_run_id = :run_id where id = any(:ids) and schedule_run_id is null

-- name: insert_run
insert into public.schedule_runs
  (id, status, objective_value, best_bound, gap, baseline_objective, objective_breakdown, solve_seconds,
   solver_parameters, input_hash, triggered_by, horizon_start, horizon_end, diagnoses, lateness_minutes,
   placed_tasks, unplaced_tasks, unplaced_minutes, scope, changes)
values (:id, :status, :objective, :best_bound, :gap, :baseline, :breakdown, :seconds,
        :parameters, :input_hash, :triggered_by, :horizon_start, :horizon_end, :diagnoses,
        :lateness, :placed, :unplaced, :unplaced_minutes, :scope, :changes)

-- name: copy_items
copy public.schedule_items (run_id, task_id, technician_id, bay_id, starts_at, ends_at, why) from stdin

-- name: copy_moves
copy public.schedule_run_moves (run_id, task_id, from_technician_id, from_bay_id, from_starts_at, from_ends_at,
                                to_technician_id, to_bay_id, to_starts_at, to_ends_at, reason) from stdin

-- Locked fields are left as they are; a pending task becomes scheduled. (The work order's
-- status follows from its tasks in the database: bayflow.derived_work_order_status.)
-- name: plan_task
update public.tasks
   set planned_start = case when lock_start then planned_start else :start end,
       planned_end = case when lock_start then planned_end else :end end,
       assigned_technician_id = case when lock_technician then assigned_technician_id else :technician end,
       bay_id = case when lock_bay then bay_id else :bay end,
       status = 'scheduled', unplaced_reason = null
 where id = :id and version = :version and status in ('pending', 'scheduled')

-- A task the run could not place loses its stale plan (locked fields stay) and says why.
-- name: unplan_task
update public.tasks
   set planned_start = case when lock_start then planned_start end,
       planned_end = case when lock_start then planned_end end,
       assigned_technician_id = case when lock_technician then assigned_technician_id end,
       bay_id = case when lock_bay then bay_id end,
       status = 'pending', unplaced_reason = :reason
 where id = :id and version = :version and status in ('pending', 'scheduled')
