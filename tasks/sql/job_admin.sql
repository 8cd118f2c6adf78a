-- What ops do to jobs from the API (tasks/job_admin.py), on the request's connection as the
-- caller: staff policies apply.

-- name: list_jobs
-- A page of jobs, newest first, after the cursor (null on the first page), with optional filters.
select id, message_id::text as message_id, queue, actor, status, priority, run_at, attempts, max_attempts,
       unique_key, pipeline_id, lease_owner, lease_expires_at, last_error, traceback,
       message -> 'args' as args, message -> 'kwargs' as kwargs, enqueued_at, started_at, finished_at
  from public.job_queue
 where id < coalesce(:after_id::bigint, 9223372036854775807)
   and (:status::text is null or status = :status)
   and (:actor::text is null or actor = :actor)
   and (:queue::text is null or queue = :queue)
 order by id desc
 limit :limit

-- name: retry_job
-- A failed or cancelled job runs again, with its attempts reset.
update public.job_queue
   set status = 'queued', attempts = 0, run_at = now(), finished_at = null, updated_at = now()
 where id = :id and status in ('failed', 'cancelled')
returning id, message_id::text as message_id, queue, actor, status, priority, run_at, attempts, max_attempts,
       unique_key, pipeline_id, lease_owner, lease_expires_at, last_error, traceback,
       message -> 'args' as args, message -> 'kwargs' as kwargs, enqueued_at, started_at, finished_at

-- name: cancel_job
update public.job_queue
   set status = 'cancelled', finished_at = now(), updated_at = now()
 where id = :id and status = 'queued'
returning id, message_id::text as message_id, queue, actor, status, priority, run_at, attempts, max_attempts,
       unique_key, pipeline_id, lease_owner, lease_expires_at, last_error, traceback,
       message -> 'args' as args, message -> 'kwargs' as kwargs, enqueued_at, started_at, finished_at

-- name: job_status
select status from public.job_queue where id = :id
