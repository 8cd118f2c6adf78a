-- name: started
select status, count(*) as n from public.tasks
 where work_order_id = :id and status in ('in_progress', 'done') group by status order by status

-- name: approve
update public.work_orders
   set status = 'planned', plan_source = 'dispatcher', review_reasons = null
 where id = :id

-- name: detail
select id, number, asset_kind, asset_make, asset_model, asset_year, vin, plate, mileage,
  description, priority, urgency, category, due_at, status, updated_at, version, source, external_id,
  customer_name, customer_phone, customer_email, review_reasons, plan_source, enrichment, created_by, created_at
from public.work_orders where id = :id

-- name: lock_work_order
select status, number from public.work_orders where id = :id for update

-- name: delete_tasks
delete from public.tasks where work_order_id = :id
