-- The broker's own reads and deletes (tasks/broker.py): join, flush, dead letters.

-- name: pending_jobs
select count(*) from public.job_queue where queue = :queue and status in ('queued', 'running')

-- name: flush_queues
delete from public.job_queue where queue = any(:queues) and status in ('queued', 'failed')

-- name: dead_letters
-- Every queue's when :queue is null.
select id, message::text, attempts, last_error, traceback from public.job_queue
 where status = 'failed' and (:queue::text is null or queue = :queue)
 order by finished_at, id
