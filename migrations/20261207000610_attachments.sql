-- Photos and files attached to a task (and so to its work order). The bytes live in object
-- storage (bayflow/storage.py: the local filesystem or an S3-compatible bucket) under
-- storage_key / thumbnail_key; this row is the record. `sha256` and `size` describe the file
-- as uploaded (one attachment per sha256 and task); what is stored is that file without its
-- metadata (photos are re-encoded without EXIF/GPS).
--
-- RLS: whoever may see the task sees its attachments (a technician: their own tasks'), and
-- may attach files to it as themselves; only staff delete.

create table public.attachments (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references public.tasks (id) on delete cascade,
  work_order_id uuid not null references public.work_orders (id) on delete cascade,
  uploaded_by uuid references public.profiles (id) on delete set null,
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'application/pdf')),
  size bigint not null check (size > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text not null unique check (length(storage_key) between 1 and 1024),
  thumbnail_key text unique check (length(thumbnail_key) between 1 and 1024),
  created_at timestamptz not null default now(),
  unique (task_id, sha256)
);
create index attachments_work_order_idx on public.attachments (work_order_id, created_at);

-- The work order is the task's: never taken from the client.
create function bayflow.attachment_work_order() returns trigger
language plpgsql set search_path = '' as $$
begin
  select t.work_order_id into new.work_order_id from public.tasks t where t.id = new.task_id;
  return new;
end
$$;
create trigger work_order before insert on public.attachments
  for each row execute function bayflow.attachment_work_order();

create trigger audit after insert or update or delete on public.attachments
  for each row execute function bayflow.audit_change('id');
create trigger audit_truncate after truncate on public.attachments
  for each statement execute function bayflow.audit_change();

alter table public.attachments enable row level security;
revoke all on public.attachments from public, anon, authenticated, service_role;
grant select, insert, delete on public.attachments to authenticated;
grant all on public.attachments to service_role;

-- `select from public.tasks` inside a policy runs under the tasks' own RLS: the caller's tasks.
create policy task_visible_read on public.attachments for select to authenticated
  using (task_id in (select t.id from public.tasks t));
create policy task_visible_insert on public.attachments for insert to authenticated
  with check (uploaded_by = (select auth.uid()) and task_id in (select t.id from public.tasks t));
create policy staff_delete on public.attachments for delete to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
