-- Re-optimization requests and schedule run diffs (api/routers/schedule_requests.py, schedule_moves.py).

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
