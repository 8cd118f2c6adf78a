-- The result backend (tasks/results.py); batched stores are acks.sql's store_results.

-- name: get_result
select result::text from public.job_results where message_key = :message_key and expires_at > now()

-- name: store_result
insert into public.job_results (message_key, result, expires_at)
values (:message_key, :result::jsonb, now() + :ttl_ms * interval '1 millisecond')
on conflict (message_key) do update set result = excluded.result, expires_at = excluded.expires_at
