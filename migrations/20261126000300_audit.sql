-- Audit log: every insert, update, delete (and truncate) of shop data, written by
-- triggers in the changing transaction, so no path (API, worker, psql) skips it.
--
-- Who: `actor` is the first of auth.uid() (a request's profile id), the setting
-- `bayflow.actor` (a worker: 'worker:<actor name>', the seed loader: 'seed') and the
-- database role that made the change. `actor_profile_id` and `db_role` keep the
-- parts. `row_id` is the primary key as text (task_dependencies: '<task_id>,<depends_on_task_id>';
-- shop_settings: 'true'). For updates, `changed_keys` and `diff` ({key: {old, new}})
-- leave out the bookkeeping columns `version` and `updated_at`.
-- Append-only: nobody is granted update/delete/truncate and a trigger refuses them,
-- so not even the owner can rewrite history with DML.

create table public.audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  table_name text not null,
  row_id text,
  action text not null check (action in ('insert', 'update', 'delete', 'truncate')),
  actor text not null,
  actor_profile_id uuid,
  db_role text not null,
  request_id text,
  transaction_id xid8 not null default pg_current_xact_id(),
  old_row jsonb,
  new_row jsonb,
  changed_keys text[],
  diff jsonb,
  check ((row_id is null) = (action = 'truncate'))
);
-- Shaped for GET /v1/audit: newest first, filtered by row, table, actor and time range.
create index audit_log_row_idx on public.audit_log (row_id, occurred_at);
create index audit_log_table_idx on public.audit_log (table_name, occurred_at);
create index audit_log_actor_idx on public.audit_log (actor, occurred_at);
create index audit_log_occurred_at_idx on public.audit_log (occurred_at, id);

alter table public.audit_log enable row level security;
revoke all on public.audit_log from public, anon, authenticated, service_role;

-- Security definer: the trigger inserts for roles that have no rights on audit_log.
-- Row triggers pass the table's primary key columns as arguments; truncate is per statement.
create function bayflow.audit_change() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  old_doc jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  new_doc jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  key_doc jsonb := coalesce(new_doc, old_doc);
  profile_id uuid := auth.uid();
  -- The role the change was made as: SET ROLE's role, else the login role (current_user
  -- is this function's owner here).
  made_by text := coalesce(nullif(current_setting('role'), 'none'), session_user::text);
  keys text[];
  changes jsonb;
begin
  if tg_op = 'UPDATE' then
    select coalesce(array_agg(n.key order by n.key), '{}'),
           coalesce(jsonb_object_agg(n.key, jsonb_build_object('old', old_doc -> n.key, 'new', n.value)), '{}')
      into keys, changes
      from jsonb_each(new_doc) n
     where n.key not in ('version', 'updated_at')
       and n.value is distinct from old_doc -> n.key;
  end if;
  insert into public.audit_log
    (table_name, row_id, action, actor, actor_profile_id, db_role, request_id, old_row, new_row, changed_keys, diff)
  values (
    tg_table_name,
    (select string_agg(key_doc ->> k, ',' order by ord) from unnest(tg_argv) with ordinality a(k, ord)),
    lower(tg_op),
    coalesce(profile_id::text, nullif(current_setting('bayflow.actor', true), ''), made_by),
    profile_id,
    made_by,
    nullif(current_setting('bayflow.request_id', true), ''),
    old_doc,
    new_doc,
    keys,
    changes
  );
  return null;
end
$$;

create function bayflow.refuse_audit_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % is not allowed', lower(tg_op)
    using errcode = 'insufficient_privilege';
end
$$;
create trigger append_only before update or delete on public.audit_log
  for each row execute function bayflow.refuse_audit_change();
create trigger append_only_truncate before truncate on public.audit_log
  for each statement execute function bayflow.refuse_audit_change();

revoke all on function bayflow.audit_change(), bayflow.refuse_audit_change() from public;

-- Arguments: the table's primary key columns.
create trigger audit after insert or update or delete on public.shop_settings
  for each row execute function bayflow.audit_change('id');
create trigger audit after insert or update or delete on public.profiles
  for each row execute function bayflow.audit_change('id');
create trigger audit after insert or update or delete on public.technicians
  for each row execute function bayflow.audit_change('id');
create trigger audit after insert or update or delete on public.bays
  for each row execute function bayflow.audit_change('id');
create trigger audit after insert or update or delete on public.work_orders
  for each row execute function bayflow.audit_change('id');
create trigger audit after insert or update or delete on public.tasks
  for each row execute function bayflow.audit_change('id');
create trigger audit after insert or update or delete on public.task_dependencies
  for each row execute function bayflow.audit_change('task_id', 'depends_on_task_id');
create trigger audit after insert or update or delete on public.calendar_events
  for each row execute function bayflow.audit_change('id');
create trigger audit_truncate after truncate on public.shop_settings for each statement execute function bayflow.audit_change();
create trigger audit_truncate after truncate on public.profiles for each statement execute function bayflow.audit_change();
create trigger audit_truncate after truncate on public.technicians for each statement execute function bayflow.audit_change();
create trigger audit_truncate after truncate on public.bays for each statement execute function bayflow.audit_change();
create trigger audit_truncate after truncate on public.work_orders for each statement execute function bayflow.audit_change();
create trigger audit_truncate after truncate on public.tasks for each statement execute function bayflow.audit_change();
create trigger audit_truncate after truncate on public.task_dependencies for each statement execute function bayflow.audit_change();
create trigger audit_truncate after truncate on public.calendar_events for each statement execute function bayflow.audit_change();
