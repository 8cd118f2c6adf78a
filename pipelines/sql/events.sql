-- Events, their notifications and the dispatchers who get them (pipelines/events.py).

-- name: insert_event
insert into public.events (type, work_order_id, task_id, schedule_run_id, audience, payload)
values (:type, :work_order_id, :task_id, :schedule_run_id, :audience::uuid[], :payload)
returning id

-- name: insert_notifications
insert into public.notifications (profile_id, event_id)
select p, :event_id from unnest(:recipients::uuid[]) p
on conflict do nothing

-- name: dispatchers
select id::text from public.profiles where role = 'dispatcher' order by id
