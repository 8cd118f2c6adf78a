-- Leases of claimed jobs (tasks/leases.py): heartbeat, rescue, purge.

-- name: renew_leases
update public.job_queue j set lease_expires_at = now() + :lease_s * interval '1 second'
  from (select j2.id from public.job_queue j2
          join unnest(:ids::bigint[], :tokens::uuid[]) as a(id, token) on j2.id = a.id and j2.lease_token = a.token
         where j2.status = 'running'
           for update of j2 skip locked) held
 where j.id = held.id

-- name: rescue_expired
-- Claims lost to dead workers are the attempts that Retries did not account for
-- (options.retries counts the claims that ended in a requested retry).
with expired as (
  select id, attempts - coalesce((message #>> '{options,retries}')::int, 0) as lost
    from public.job_queue
   where status = 'running' and lease_expires_at < now() and actor = any(:actors)
     for update skip locked
)
update public.job_queue j
   set status = case when e.lost >= j.max_attempts then 'failed' else 'queued' end,
       finished_at = case when e.lost >= j.max_attempts then now() end,
       last_error = format('lease of %s expired during attempt %s (%s of %s allowed claims lost):'
                           ' the worker died or lost the database', j.lease_owner, j.attempts, e.lost, j.max_attempts),
       run_at = now(), lease_owner = null, lease_token = null, lease_expires_at = null, updated_at = now()
  from expired e
 where j.id = e.id
returning j.queue, j.status, j.message::text

-- name: purge_finished_jobs
with old as (select id from public.job_queue where finished_at < now() - :retention_s * interval '1 second' limit 5000)
delete from public.job_queue j using old where j.id = old.id

-- name: purge_expired_results
delete from public.job_results where expires_at < now()
