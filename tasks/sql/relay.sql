-- The outbox relay to RabbitMQ (tasks/relay.py).

-- name: take_due_jobs
-- Marked done (handed over) in the transaction that publishes them.
with ready as (
  select id from public.job_queue
   where status = 'queued' and run_at <= now()
   order by priority, run_at
   limit :limit
   for update skip locked
)
update public.job_queue j
   set status = 'done', attempts = j.attempts + 1, started_at = now(), finished_at = now(), updated_at = now()
  from ready
 where j.id = ready.id
returning j.message::text
