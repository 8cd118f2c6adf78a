-- A consumer's claims of ready jobs (tasks/consumer.py).

-- name: claim_jobs
with ready as (
  select id from public.job_queue
   where status = 'queued' and queue = :queue and run_at <= now()
   order by priority, run_at
   limit :limit
   for update skip locked
)
update public.job_queue j
   set status = 'running', attempts = j.attempts + 1, lease_owner = :owner,
       lease_token = gen_random_uuid(), lease_expires_at = now() + :lease_s * interval '1 second',
       started_at = now(), updated_at = now()
  from ready
 where j.id = ready.id
returning j.id, j.lease_token, j.pipeline_id, j.message::text

-- name: next_due
-- Seconds until the queue's next delayed job (a retry's backoff, a delay) is due, within the horizon.
select extract(epoch from min(run_at) - now())::float8 from public.job_queue
 where status = 'queued' and queue = :queue and run_at < now() + :horizon_s * interval '1 second'
