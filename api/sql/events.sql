-- name: replay
select id, type, work_order_id::text, task_id::text, schedule_run_id::text
from public.events where id > :after order by id limit :limit
