-- name: shop
select name, timezone from public.shop_settings

-- name: technicians
select id, name, skills from public.technicians where active order by name, id

-- name: bays
select id, name, bay_type from public.bays where active order by name, id

-- name: calendar
-- Events up to 14 days long: a recurrence that ended 15 days before the range cannot reach it.
select kind, technician_id, bay_id, starts_at, ends_at, recurrence, recurrence_until
  from public.calendar_events
 where starts_at < :to
   and (case when recurrence = 'none' then ends_at > :from
             else recurrence_until >= cast(cast(:from as timestamptz) - interval '15 days' as date) end)
 order by starts_at

-- name: tasks
select t.id, t.name, t.work_order_id, w.number as work_order_number, t.status,
  t.assigned_technician_id as technician_id, t.bay_id, t.planned_start, t.planned_end, t.duration_minutes,
  t.required_skill, t.required_bay_type, t.lock_start, t.lock_technician, t.lock_bay, t.needs_parts,
  t.parts_ready_at, t.version, t.depends_on
from public.tasks_with_dependencies t join public.work_orders w on w.id = t.work_order_id
where (t.planned_start < :to and t.planned_end > :from)
   or (t.planned_start is null and t.status in ('pending', 'scheduled')
       and w.status not in ('done', 'cancelled'))
order by t.planned_start nulls last, w.number, t.position, t.id

-- name: work_orders
select w.id, w.number, w.description, w.customer_name, w.asset_kind, w.asset_make,
  w.asset_model, w.asset_year, w.plate, w.vin, w.priority, w.due_at, w.status, w.review_reasons,
  case when w.due_at is null or w.status in ('done', 'cancelled') then 0
       else greatest(0, ceil(extract(epoch from greatest(
         (select max(t.planned_end) from public.tasks t
           where t.work_order_id = w.id and t.status in ('pending', 'scheduled', 'in_progress', 'paused')),
         (select now() from public.tasks t
           where t.work_order_id = w.id and t.status in ('pending', 'scheduled') and t.planned_start is null
           limit 1)) - w.due_at) / 60))::int end as late_minutes
from public.work_orders w where w.id = any(cast(:ids as uuid[])) order by w.number

-- name: latest_run
select r.id, r.status, r.created_at, r.objective_value, r.gap,
  (select count(*) from public.schedule_items i where i.run_id = r.id and i.starts_at is null) as unplaced_count
from public.schedule_runs r order by r.created_at desc, r.id desc limit 1
