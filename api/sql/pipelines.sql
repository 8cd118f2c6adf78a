-- A run is read with its steps in pipeline order.

-- name: run
select r.id, r.kind, r.work_order_id, r.triggered_by, r.status, r.step, r.error, r.schedule_run_id,
       r.created_at, r.started_at, r.finished_at, r.updated_at,
       coalesce((select jsonb_agg(to_jsonb(s) - 'run_id' order by array_position(
                   array['enrich', 'plan', 'schedule', 'notify'], s.step))
                   from public.pipeline_steps s where s.run_id = r.id),
                '[]'::jsonb) as steps
  from public.pipeline_runs r
 where r.id = :id

-- name: list_runs
-- A page of runs, newest first, after the cursor (null on the first page), with an optional status filter.
select r.id, r.kind, r.work_order_id, r.triggered_by, r.status, r.step, r.error, r.schedule_run_id,
       r.created_at, r.started_at, r.finished_at, r.updated_at,
       coalesce((select jsonb_agg(to_jsonb(s) - 'run_id' order by array_position(
                   array['enrich', 'plan', 'schedule', 'notify'], s.step))
                   from public.pipeline_steps s where s.run_id = r.id),
                '[]'::jsonb) as steps
  from public.pipeline_runs r
 where (r.created_at, r.id) < (coalesce(:after_created_at::timestamptz, 'infinity'),
                               coalesce(:after_id::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
   and (:status::text[] is null or r.status = any(:status::text[]))
 order by r.created_at desc, r.id desc
 limit :limit

-- name: work_order_runs
select r.id, r.kind, r.work_order_id, r.triggered_by, r.status, r.step, r.error, r.schedule_run_id,
       r.created_at, r.started_at, r.finished_at, r.updated_at,
       coalesce((select jsonb_agg(to_jsonb(s) - 'run_id' order by array_position(
                   array['enrich', 'plan', 'schedule', 'notify'], s.step))
                   from public.pipeline_steps s where s.run_id = r.id),
                '[]'::jsonb) as steps
  from public.pipeline_runs r
 where r.work_order_id = :id
 order by r.created_at desc, r.id desc

-- name: work_order_exists
select id from public.work_orders where id = :id

-- name: lock_work_order
select id from public.work_orders where id = :id for update

-- name: latest_run
select id, status from public.pipeline_runs where work_order_id = :id order by created_at desc, id desc limit 1
