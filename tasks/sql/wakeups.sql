-- The bayflow_jobs channel: a queue's name is notified when a job for it is committed
-- (tasks/listener.py). The bayflow.enqueue function notifies it too.

-- name: notify_queues
select pg_notify('bayflow_jobs', q) from unnest(:queues::text[]) as q

-- name: listen_for_jobs
listen bayflow_jobs
