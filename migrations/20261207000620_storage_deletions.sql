-- Stored objects whose attachment row is gone: whatever deleted it (DELETE /v1/attachments/{id},
-- or a task or work order deleted with its attachments by cascade), the trigger below records
-- the objects' keys in the same transaction, so a committed deletion always leaves a record and
-- a rolled-back one none. `bayflow storage sweep` (bayflow/storage_sweep.py) removes the objects
-- and then their rows; removing an object twice is harmless.

create table public.storage_deletions (
  storage_key text primary key,
  requested_at timestamptz not null default now()
);
alter table public.storage_deletions enable row level security;
revoke all on public.storage_deletions from public, anon, authenticated, service_role;
grant all on public.storage_deletions to service_role;

-- Security definer: the deleting role (a dispatcher's request) has no rights on the table.
create function bayflow.record_storage_deletion() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.storage_deletions (storage_key)
  select k from unnest(array[old.storage_key, old.thumbnail_key]) k where k is not null
  on conflict (storage_key) do nothing;
  return null;
end
$$;
revoke all on function bayflow.record_storage_deletion() from public;
create trigger record_storage_deletion after delete on public.attachments
  for each row execute function bayflow.record_storage_deletion();
