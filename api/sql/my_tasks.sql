-- name: technician
select bayflow.current_technician_id()

-- name: shop
select timezone, now() as now from public.shop_settings

-- name: tasks
-- The day's tasks, and on today's list also work begun on an earlier day and not finished.
select t.id, t.name, t.status, t.planned_start, t.planned_end, t.actual_start, t.actual_end, t.blocked_reason,
       t.notes, t.instructions, t.needs_parts, t.parts_ready_at, t.version,
       b.id as bay_id, b.name as bay_name,
       w.id as wo_id, w.number, w.description, w.asset_make, w.asset_model, w.asset_year, w.plate, w.vin
  from public.tasks t
  join public.tech_work_orders w on w.id = t.work_order_id
  left join public.bays b on b.id = t.bay_id
 where t.assigned_technician_id = :technician
   and ((t.planned_start >= :day_start and t.planned_start < :day_end)
        or (:today and t.status in ('in_progress', 'paused', 'blocked')
            and (t.planned_start is null or t.planned_start < :day_start)))
 order by t.planned_start nulls last, t.position, t.id

-- name: context
select task_id, other_tasks, waits_on_tasks, why from bayflow.task_context(:ids)

-- name: changes
select task_id, kind, from_starts_at, from_technician, changed_at from bayflow.my_task_changes(:since, :ids)

-- name: last_look
-- The caller's last look; a first look records itself (the insert's row is not visible to the
-- second branch within the statement, hence both).
with first_look as (
  insert into public.task_list_views (profile_id, seen_at) values (auth.uid(), now())
  on conflict (profile_id) do nothing
  returning seen_at
)
select seen_at from first_look
union all
select seen_at from public.task_list_views where profile_id = auth.uid()

-- name: mark_seen
insert into public.task_list_views (profile_id, seen_at) values (auth.uid(), least(coalesce(:at, now()), now()))
on conflict (profile_id) do update set seen_at = greatest(public.task_list_views.seen_at, excluded.seen_at)
returning seen_at
