-- Inbound webhook events, applied as the sending source (api/inbound.py).

-- name: begin_as_source
-- the rest of the transaction acts as role bayflow_webhook for this source (migration 0800)
select set_config('role', 'bayflow_webhook', true), set_config('bayflow.webhook_source', :source, true),
       set_config('bayflow.actor', :actor, true), set_config('bayflow.request_id', :request_id, true)

-- name: source_secret
select k.secret from public.inbound_sources s
  join public.inbound_source_secrets k on k.source = s.name
 where s.name = :source

-- name: accept_event
-- no row back: the event id was seen before
insert into public.inbound_events (source, event_id, event_type) values (:source, :id, :type)
on conflict do nothing
returning event_id

-- name: record_result
update public.inbound_events set result = cast(:result as jsonb) where source = :source and event_id = :id

-- name: shop_date_rules
select local_date_format, timezone from public.shop_settings

-- name: upsert_work_order
select work_order_id::text, outcome from bayflow.upsert_work_order(cast(:doc as jsonb))

-- name: task_by_id
select id::text, needs_parts, parts_ready_at from public.tasks where id = cast(:task_id as uuid) for update

-- name: tasks_by_name
select t.id::text, t.needs_parts, t.parts_ready_at from public.tasks t
  join public.work_orders w on w.id = t.work_order_id
 where w.source = :source and w.external_id = :external_id and t.name = :name
   for update of t

-- name: wait_for_parts
update public.tasks set needs_parts = true, parts_ready_at = :ready where id = any(cast(:ids as uuid[]))
