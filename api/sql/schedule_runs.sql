-- Schedule runs: the runs the pipeline computed, re-optimization requests and run diffs
-- (api/routers/schedule_runs.py, schedule_requests.py, schedule_moves.py, api/reoptimization.py).

-- A change and the (coalesced) re-optimization that answers it; the pipeline run to follow.
-- name: request_reoptimization
select bayflow.request_reoptimization(:scope, :kind, cast(:detail as jsonb), cast(:task_ids as uuid[]),
                                      cast(:technician_ids as uuid[]), cast(:bay_ids as uuid[]),
                                      cast(:work_order_ids as uuid[]), :triggered_by)::text

-- name: run_scope
select scope, changes from public.schedule_runs where id = :id

-- name: previous_run
select p.id from public.schedule_runs p, public.schedule_runs r
 where r.id = :id and (p.created_at, p.id) < (r.created_at, r.id)
 order by p.created_at desc, p.id desc limit 1

-- The run's stored diff: each task it moved, placed or took off the schedule, with why.
-- name: run_moves
select m.task_id, t.name as task_name, w.number as work_order_number, m.reason,
       m.from_technician_id, m.from_bay_id, m.from_starts_at,
       m.to_technician_id, m.to_bay_id, m.to_starts_at
  from public.schedule_run_moves m
  join public.tasks t on t.id = m.task_id
  join public.work_orders w on w.id = t.work_order_id
 where m.run_id = :id
 order by coalesce(m.to_starts_at, m.from_starts_at), w.number, t.position, t.id

-- The runs the pipeline computed and their placements.

-- name: list_runs
-- A page of runs, newest first, after the cursor (null on the first page).
select id, status, objective_value, best_bound, gap, baseline_objective, objective_breakdown, solve_seconds,
       triggered_by, horizon_start, horizon_end, diagnoses, lateness_minutes, created_at
  from public.schedule_runs
 where (created_at, id) < (coalesce(:after_created_at::timestamptz, 'infinity'),
                           coalesce(:after_id::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
 order by created_at desc, id desc
 limit :limit

-- name: run
select id, status, objective_value, best_bound, gap, baseline_objective, objective_breakdown, solve_seconds,
       triggered_by, horizon_start, horizon_end, diagnoses, lateness_minutes, created_at
  from public.schedule_runs
 where id = :id

-- name: run_items
-- Each task's placement in the run, and why; only one work order's tasks when `work_order_id` is set.
select i.task_id, t.work_order_id, t.name as task_name, i.technician_id, i.bay_id, i.starts_at, i.ends_at, i.why
  from public.schedule_items i
  join public.tasks t on t.id = i.task_id
 where i.run_id = :id and (:work_order_id::uuid is null or t.work_order_id = :work_order_id)
 order by i.starts_at nulls last, t.work_order_id, t.position
