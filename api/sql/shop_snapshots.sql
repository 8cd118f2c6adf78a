-- name: fingerprint
select
  (select row(count(*), max(updated_at), sum(version)) from public.tasks)::text,
  (select row(count(*), max(updated_at), sum(version)) from public.work_orders)::text,
  (select row(count(*), max(updated_at), sum(version)) from public.technicians)::text,
  (select row(count(*), max(updated_at), sum(version)) from public.bays)::text,
  (select row(count(*), max(updated_at), sum(version)) from public.calendar_events)::text,
  (select row(count(*), sum(hashtext(task_id::text || depends_on_task_id::text))) from public.task_dependencies)::text,
  (select row(timezone, version) from public.shop_settings)::text
