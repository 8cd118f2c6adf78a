-- The schedule run (pipelines/schedule_run.py): the changes the run answers, and what it writes
-- back. The shop it reads is in shop.sql.

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

-- The last run's reasons for the tasks it placed, which a partial run reuses for the tasks it leaves
-- where they are (explaining a whole shop again costs more than its solve).
-- name: previous_reasons
select i.task_id::text, i.why
  from public.schedule_items i
 where i.run_id = (select id from public.schedule_runs order by created_at desc, id desc limit 1)
   and i.starts_at is not null

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

-- The tasks the run moved, in one statement (ids, versions as read, new placements side by side);
-- locked fields are left as they are; a pending task becomes scheduled. Returns the tasks written:
-- one missing changed while the solver ran. (The work order's status follows from its tasks in the
-- database: bayflow.derived_work_order_status.)
-- name: plan_tasks
update public.tasks t
   set planned_start = case when t.lock_start then t.planned_start else v.starts_at end,
       planned_end = case when t.lock_start then t.planned_end else v.ends_at end,
       assigned_technician_id = case when t.lock_technician then t.assigned_technician_id else v.technician_id end,
       bay_id = case when t.lock_bay then t.bay_id else v.bay_id end,
       status = 'scheduled', unplaced_reason = null
  from unnest(:ids::uuid[], :versions::integer[], :starts::timestamptz[], :ends::timestamptz[],
              :technicians::uuid[], :bays::uuid[]) as v (id, version, starts_at, ends_at, technician_id, bay_id)
 where t.id = v.id and t.version = v.version and t.status in ('pending', 'scheduled')
returning t.id::text

-- The tasks the run could not place lose their stale plan (locked fields stay) and say why.
-- name: unplan_tasks
update public.tasks t
   set planned_start = case when t.lock_start then t.planned_start end,
       planned_end = case when t.lock_start then t.planned_end end,
       assigned_technician_id = case when t.lock_technician then t.assigned_technician_id end,
       bay_id = case when t.lock_bay then t.bay_id end,
       status = 'pending', unplaced_reason = v.reason
  from unnest(:ids::uuid[], :versions::integer[], :reasons::text[]) as v (id, version, reason)
 where t.id = v.id and t.version = v.version and t.status in ('pending', 'scheduled')
returning t.id::text
