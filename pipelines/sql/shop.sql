-- The shop as the scheduler sees it (`pipelines.schedule_run.load_shop`): read by the schedule
-- run in a worker and by the API's what-if, as the caller.

-- name: shop_timezone
select timezone from public.shop_settings

-- name: open_tasks
select t.id, t.name, t.work_order_id, t.duration_minutes, t.required_skill, t.required_bay_type,
       t.needs_parts, t.parts_ready_at, t.status, t.assigned_technician_id, t.bay_id,
       t.planned_start, t.planned_end, t.lock_start, t.lock_technician, t.lock_bay, t.version,
       t.blocked_reason, t.unplaced_reason
  from public.tasks t join public.work_orders w on w.id = t.work_order_id
 where t.status in ('pending', 'scheduled', 'in_progress', 'paused', 'blocked')
   and w.status not in ('done', 'cancelled')
 order by w.number, t.position, t.id

-- name: work_orders
select id, due_at, priority, number from public.work_orders where id = any(:ids::uuid[])

-- name: dependencies
select task_id, depends_on_task_id from public.task_dependencies where task_id = any(:ids::uuid[])

-- name: technicians
select id, name, skills from public.technicians where active order by name, id

-- name: bays
select id, name, bay_type from public.bays where active order by name

-- name: calendar
select kind, technician_id, bay_id, starts_at, ends_at, recurrence, recurrence_until
  from public.calendar_events
 where starts_at < :end
   and (case when recurrence = 'none' then ends_at > :start
             else recurrence_until >= (:start::timestamptz - interval '15 days')::date end)
