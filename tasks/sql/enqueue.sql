-- Writing jobs into job_queue (tasks/enqueue.py), in the caller's transaction.

-- name: enqueue_job
-- One job through the bayflow.enqueue function (the API's `authenticated` role may execute it).
select job_id, created
  from bayflow.enqueue(:message::jsonb, :priority, :delay, :max_attempts, :unique_key, :pipeline_id)

-- name: insert_jobs
-- Many jobs in one statement, passed as one JSON document; duplicates are skipped.
insert into public.job_queue (message_id, queue, actor, message, priority, run_at, max_attempts, unique_key, pipeline_id)
select (t.m ->> 'message_id')::uuid, t.m ->> 'queue_name', t.m ->> 'actor_name', t.m, t.p,
       now() + t.d * interval '1 millisecond', t.x, t.u, t.pl
  from jsonb_to_recordset(:jobs::jsonb) as t(m jsonb, p int, d bigint, x int, u text, pl text)
on conflict do nothing
