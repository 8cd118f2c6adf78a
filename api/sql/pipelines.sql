-- A run is read with its steps in pipeline order (the view public.pipeline_runs_with_steps).

-- name: run
select r.*
  from public.pipeline_runs_with_steps r
 where r.id = :id

-- name: list_runs
-- A page of runs, newest first, after the cursor (null on the first page), with an optional status filter.
select r.*
  from public.pipeline_runs_with_steps r
 where (r.created_at, r.id) < (coalesce(:after_created_at::timestamptz, 'infinity'),
                               coalesce(:after_id::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
   and (:status::text[] is null or r.status = any(:status::text[]))
 order by r.created_at desc, r.id desc
 limit :limit

-- name: work_order_runs
select r.*
  from public.pipeline_runs_with_steps r
 where r.work_order_id = :id
 order by r.created_at desc, r.id desc

-- name: work_order_exists
select id from public.work_orders where id = :id

-- name: lock_work_order
select id from public.work_orders where id = :id for update

-- name: latest_run
select id, status from public.pipeline_runs where work_order_id = :id order by created_at desc, id desc limit 1
