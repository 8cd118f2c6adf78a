-- CSV exports, streamed as the caller (RLS applies) (api/exports.py).

-- name: work_orders
-- the import's columns, one row per task; filters as GET /v1/work_orders: status, due_from, due_to, assignee
select w.source, w.external_id, w.id, w.description, w.priority, w.due_at, w.customer_name, w.customer_phone,
       w.customer_email, w.asset_kind, w.asset_make, w.asset_model, w.asset_year, w.vin, w.plate, w.mileage,
       t.id, t.name, t.duration_minutes, t.required_skill, t.required_bay_type, t.needs_parts, t.parts_ready_at,
       (select array_agg(u.name order by u.position, u.created_at)
          from public.task_dependencies d join public.tasks u on u.id = d.depends_on_task_id
         where d.task_id = t.id),
       t.notes
  from public.work_orders w
  left join public.tasks t on t.work_order_id = w.id
 where (cast(:status as text[]) is null or w.status = any(cast(:status as text[])))
   and (cast(:due_from as timestamptz) is null or w.due_at >= :due_from)
   and (cast(:due_to as timestamptz) is null or w.due_at < :due_to)
   and (cast(:assignee as uuid) is null or exists (
     select from public.tasks a where a.work_order_id = w.id and a.assigned_technician_id = :assignee))
 order by w.number, t.position, t.created_at

-- name: schedule
-- scheduled tasks overlapping [start, end), optionally of one technician
select t.planned_start, t.planned_end, tech.name, b.name, w.number, w.source, w.external_id, w.id, t.id, t.name,
       t.duration_minutes, t.status, t.assigned_technician_id, t.bay_id
  from public.tasks t
  join public.work_orders w on w.id = t.work_order_id
  left join public.technicians tech on tech.id = t.assigned_technician_id
  left join public.bays b on b.id = t.bay_id
 where t.planned_start < :end and t.planned_end > :start
   and (cast(:assignee as uuid) is null or t.assigned_technician_id = :assignee)
 order by t.planned_start, tech.name nulls last, t.id
