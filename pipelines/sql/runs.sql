-- The bookkeeping of pipeline runs (pipelines/runs.py): `pipeline_runs` and `pipeline_steps`.

-- name: run
select id::text, kind, work_order_id::text, status, step, schedule_run_id::text
  from public.pipeline_runs where id = :run_id

-- name: begin_steps
-- An attempt of :step for the runs still waiting at it (not moved on, not failed).
update public.pipeline_steps s
   set status = 'running', attempts = s.attempts + 1, started_at = now(), finished_at = null
  from public.pipeline_runs r
 where r.id = s.run_id and s.run_id = any(:run_ids::uuid[]) and s.step = :step
   and r.step = :step and r.status in ('queued', 'running')
   and s.status in ('pending', 'running', 'failed')
returning s.run_id::text

-- name: begin_runs
update public.pipeline_runs set status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
 where id = any(:run_ids::uuid[])

-- name: record_error
update public.pipeline_steps set status = 'failed', error = :error, finished_at = now()
 where run_id = any(:run_ids::uuid[]) and step = :step and status = 'running'

-- name: finish_step
update public.pipeline_steps set status = :status, error = null, finished_at = now(), detail = detail || :detail::jsonb
 where run_id = any(:run_ids::uuid[]) and step = :step

-- name: succeed_runs
update public.pipeline_runs set status = 'succeeded', finished_at = now(), updated_at = now()
 where id = any(:run_ids::uuid[])

-- name: move_runs
update public.pipeline_runs set step = :step, schedule_run_id = coalesce(:schedule_run_id::uuid, schedule_run_id),
       updated_at = now()
 where id = any(:run_ids::uuid[])

-- name: skip_steps
update public.pipeline_steps set status = 'skipped', finished_at = now(), detail = detail || :detail::jsonb
 where run_id = any(:run_ids::uuid[]) and step = any(:steps::text[])

-- name: fail_steps
update public.pipeline_steps set status = 'failed', finished_at = coalesce(finished_at, now())
 where run_id = any(:run_ids::uuid[]) and step = :step

-- name: fail_runs
-- The run's error: the summary, then its step's last error.
update public.pipeline_runs r
   set status = 'failed', finished_at = now(), updated_at = now(),
       error = left(:summary || ': ' || coalesce(s.error, 'unknown error'), :error_chars)
  from public.pipeline_steps s
 where s.run_id = r.id and s.step = r.step and r.id = any(:run_ids::uuid[])
   and r.status in ('queued', 'running') and r.step = :step

-- name: failed_runs
select id::text, work_order_id::text, error from public.pipeline_runs
 where id = any(:run_ids::uuid[]) and status = 'failed'

-- name: waiting_at
select r.id::text from public.pipeline_runs r
  join public.pipeline_steps s on s.run_id = r.id and s.step = r.step
 where r.step = :step and r.status in ('queued', 'running') and s.status in ('pending', 'running', 'failed')
 order by r.created_at
   for update of r

-- name: still_at
select id::text from public.pipeline_runs
 where id = any(:run_ids::uuid[]) and step = :step and status = 'running'
 order by id
   for update
