-- Idempotency keys of the API: a POST with `Idempotency-Key` stores its response here in
-- the same transaction as its writes, so a retry replays it instead of writing twice.
-- Keys are per user; a stored key is honoured for 24 hours, then may be reused.

create table public.idempotency_keys (
  profile_id uuid not null references public.profiles (id) on delete cascade,
  key text not null check (length(key) between 1 and 255),
  request_hash text not null,
  status_code integer not null,
  response_body jsonb not null,
  response_headers jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  primary key (profile_id, key)
);
create index idempotency_keys_created_at_idx on public.idempotency_keys (created_at);

alter table public.idempotency_keys enable row level security;
revoke all on public.idempotency_keys from public, anon, authenticated, service_role;
grant select, insert, update, delete on public.idempotency_keys to authenticated;

create policy idempotency_keys_own on public.idempotency_keys for all to authenticated
  using (profile_id = (select auth.uid()))
  with check (profile_id = (select auth.uid()));
