-- name: list_notifications
-- A page of the caller's notifications, newest first, after the cursor (null on the first page).
select n.id, n.event_id, e.type, e.work_order_id, e.task_id, e.schedule_run_id, e.payload, n.created_at, n.read_at
  from public.notifications n join public.events e on e.id = n.event_id
 where n.id < coalesce(:after_id::bigint, 9223372036854775807)
   and (not :unread or n.read_at is null)
 order by n.id desc
 limit :limit

-- name: notification
select n.id, n.event_id, e.type, e.work_order_id, e.task_id, e.schedule_run_id, e.payload, n.created_at, n.read_at
  from public.notifications n join public.events e on e.id = n.event_id
 where n.id = :id

-- name: mark_read
update public.notifications set read_at = coalesce(read_at, now()) where id = :id returning id
