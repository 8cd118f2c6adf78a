-- name: lock
select pg_advisory_xact_lock(hashtextextended(:owner || '/' || :key, 0))

-- name: forget_expired
delete from public.idempotency_keys where profile_id = :owner and key = :key and created_at <= now() - interval '24 hours'

-- name: stored
select request_hash, status_code, response_body, response_headers from public.idempotency_keys where profile_id = :owner and key = :key

-- name: store
insert into public.idempotency_keys (profile_id, key, request_hash, status_code, response_body, response_headers) values (:owner, :key, :hash, :status, cast(:body as jsonb), cast(:headers as jsonb))
