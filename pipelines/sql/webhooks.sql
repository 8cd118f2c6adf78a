-- Outbound webhook deliveries: written with an event, then attempted one by one (pipelines/webhooks.py).

-- name: write_deliveries
-- one delivery per active subscription to the event's type (or to every type)
insert into public.webhook_deliveries (subscription_id, event_id, event_type, payload)
select s.id, :event_id, :type, :payload::jsonb
  from public.webhook_subscriptions s
 where s.active and (:type = any (s.event_types) or :all = any (s.event_types))
on conflict (subscription_id, event_id) do nothing
returning id

-- name: load_delivery
select d.status, d.event_id, d.event_type, d.created_at, d.payload, s.url, s.active, k.secret
  from public.webhook_deliveries d
  join public.webhook_subscriptions s on s.id = d.subscription_id
  join public.webhook_subscription_secrets k on k.subscription_id = s.id
 where d.id = :id

-- name: record_attempt
with attempt as (
  insert into public.webhook_attempts (delivery_id, attempt, started_at, status_code, latency_ms, error, succeeded)
  select :id, d.attempts + 1, :started_at, :code, :latency, :error, :ok
    from public.webhook_deliveries d where d.id = :id
)
update public.webhook_deliveries
   set attempts = attempts + 1, last_status_code = :code, last_error = :error, status = :status,
       delivered_at = case when :ok then now() else delivered_at end, updated_at = now()
 where id = :id

-- name: mark_dead
update public.webhook_deliveries set status = 'dead', updated_at = now()
 where id = :id and status <> 'succeeded'
