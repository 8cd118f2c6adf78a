-- Batched acks (tasks/acks.py): each row is fenced by its lease token.

-- name: finish_jobs
update public.job_queue j
   set status = a.status,
       attempts = j.attempts - a.undo_attempt,
       run_at = case when a.status = 'queued' then now() + a.delay_ms * interval '1 millisecond' else j.run_at end,
       message = coalesce(a.message, j.message),
       last_error = coalesce(a.error, j.last_error),
       traceback = coalesce(a.traceback, j.traceback),
       finished_at = case when a.status = 'queued' then null else now() end,
       lease_owner = null, lease_token = null, lease_expires_at = null, updated_at = now()
  from unnest(:ids::bigint[], :tokens::uuid[], :statuses::text[], :undo_attempts::int[], :delays_ms::bigint[],
              :messages::jsonb[], :errors::text[], :tracebacks::text[])
       as a(id, token, status, undo_attempt, delay_ms, message, error, traceback)
 where j.id = a.id and j.lease_token = a.token and j.status = 'running'
returning j.id

-- name: store_results
insert into public.job_results (message_key, result, expires_at)
select k, r, now() + t * interval '1 millisecond'
  from unnest(:message_keys::text[], :results::jsonb[], :ttls_ms::bigint[]) as x(k, r, t)
on conflict (message_key) do update set result = excluded.result, expires_at = excluded.expires_at
