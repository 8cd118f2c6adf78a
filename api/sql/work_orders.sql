-- Staff read `work_orders`; a technician reads `tech_work_orders` (their work orders, without
-- customer contact): each read has one query per view.

-- name: work_order
select id, number, asset_kind, asset_make, asset_model, asset_year, vin, plate, mileage,
       description, priority, urgency, category, due_at, status, updated_at, version, source, external_id,
       customer_name, customer_phone, customer_email, review_reasons, plan_source, enrichment, created_by,
       created_at
  from public.work_orders where id = :id

-- name: tech_work_order
select id, number, asset_kind, asset_make, asset_model, asset_year, vin, plate, mileage,
       description, priority, urgency, category, due_at, status, updated_at, version
  from public.tech_work_orders where id = :id

-- name: list_work_orders
-- A page of work orders by number after the cursor (null on the first page), with optional filters.
select id, number, asset_kind, asset_make, asset_model, asset_year, vin, plate, mileage,
       description, priority, urgency, category, due_at, status, updated_at, version, source, external_id,
       customer_name, customer_phone, customer_email, review_reasons, plan_source, enrichment, created_by,
       created_at
  from public.work_orders w
 where w.number > coalesce(:after_number::bigint, '-9223372036854775808'::bigint)
   and (:status::text[] is null or w.status = any(:status::text[]))
   and (:due_from::timestamptz is null or w.due_at >= :due_from)
   and (:due_to::timestamptz is null or w.due_at < :due_to)
   and (:assignee::uuid is null or exists (
         select from public.tasks t where t.work_order_id = w.id and t.assigned_technician_id = :assignee))
 order by w.number
 limit :limit

-- name: list_tech_work_orders
select id, number, asset_kind, asset_make, asset_model, asset_year, vin, plate, mileage,
       description, priority, urgency, category, due_at, status, updated_at, version
  from public.tech_work_orders w
 where w.number > coalesce(:after_number::bigint, '-9223372036854775808'::bigint)
   and (:status::text[] is null or w.status = any(:status::text[]))
   and (:due_from::timestamptz is null or w.due_at >= :due_from)
   and (:due_to::timestamptz is null or w.due_at < :due_to)
   and (:assignee::uuid is null or exists (
         select from public.tasks t where t.work_order_id = w.id and t.assigned_technician_id = :assignee))
 order by w.number
 limit :limit
