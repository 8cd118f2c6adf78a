-- A subscription is read with when its secret last changed (never the secret).

-- name: subscription
select s.id, s.url, s.event_types, s.description, s.active, k.updated_at as secret_updated_at,
       s.created_at, s.updated_at, s.version
  from public.webhook_subscriptions s join public.webhook_subscription_secrets k on k.subscription_id = s.id
 where s.id = :id

-- name: subscriptions
select s.id, s.url, s.event_types, s.description, s.active, k.updated_at as secret_updated_at,
       s.created_at, s.updated_at, s.version
  from public.webhook_subscriptions s join public.webhook_subscription_secrets k on k.subscription_id = s.id
 order by s.created_at, s.id

-- name: insert_subscription
insert into public.webhook_subscriptions (url, event_types, description, active)
values (:url, :types, :d, :a)
returning id

-- name: insert_secret
insert into public.webhook_subscription_secrets (subscription_id, secret) values (:id, :s)

-- name: update_subscription
-- A PATCH: each column changes only when its `<column>_set` flag is true.
update public.webhook_subscriptions
   set url = case when :url_set::boolean then :url::text else url end,
       event_types = case when :event_types_set::boolean then :event_types::text[] else event_types end,
       description = case when :description_set::boolean then :description::text else description end,
       active = case when :active_set::boolean then :active::boolean else active end
 where id = :id

-- name: update_secret
update public.webhook_subscription_secrets set secret = :s, updated_at = now() where subscription_id = :id

-- name: delete_subscription
delete from public.webhook_subscriptions where id = :id returning id

-- name: deliveries
-- Newest first, with optional filters.
select id, subscription_id, event_id, event_type, status, attempts, last_status_code, last_error,
       created_at, delivered_at, payload
  from public.webhook_deliveries
 where (:sub::uuid is null or subscription_id = :sub)
   and (:status::text[] is null or status = any(:status::text[]))
 order by created_at desc, id
 limit :limit

-- name: delivery
select id, subscription_id, event_id, event_type, status, attempts, last_status_code, last_error,
       created_at, delivered_at, payload
  from public.webhook_deliveries
 where id = :id

-- name: attempts
select attempt, started_at, status_code, latency_ms, error, succeeded
  from public.webhook_attempts
 where delivery_id = :id
 order by id

-- name: resend
-- Only a delivery that is finished (dead, or succeeded and wanted again) starts a new chain of
-- attempts; one pending or retrying has a job queued or in flight. The row lock makes
-- concurrent re-sends wait, and each sees the status the first one left.
update public.webhook_deliveries set status = 'pending', updated_at = now()
 where id = :id and status in ('dead', 'succeeded')
returning id, subscription_id, event_id, event_type, status, attempts, last_status_code, last_error,
          created_at, delivered_at
