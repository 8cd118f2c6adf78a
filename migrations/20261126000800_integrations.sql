-- Integrations: CSV imports, inbound webhook sources and their seen events, outbound
-- webhook subscriptions with their deliveries and every delivery attempt.
--
-- Secrets (inbound sources, subscriptions) live in their own tables: the API may write
-- them but `authenticated` can never select them, and they carry no audit trigger, so
-- they never reach a response, a log or audit_log. The configuration rows are audited.
--
-- Inbound webhooks are not user-authenticated. Their handler's transaction switches to
-- role `bayflow_webhook` with `bayflow.webhook_source` set to the verified source: its
-- policies let it read only that source's secret and touch only the work orders (and
-- their tasks) whose `source` is that source. With BAYFLOW_API_DATABASE_URL (Supabase's
-- `authenticator`), grant bayflow_webhook to that login role.

-- ---------------------------------------------------------------- CSV imports
create table public.imports (
  id uuid primary key default gen_random_uuid(),
  filename text not null check (length(filename) between 1 and 255),
  source text not null check (length(btrim(source)) > 0),
  mode text not null check (mode in ('all_or_nothing', 'good_rows')),
  status text not null default 'queued'
    check (status in ('queued', 'validating', 'writing', 'done', 'rejected', 'failed')),
  content bytea not null,
  size_bytes integer not null check (size_bytes >= 0),
  rows_total integer check (rows_total >= 0),
  rows_invalid integer not null default 0,
  work_orders_total integer,
  work_orders_written integer not null default 0,  -- progress of the writing phase
  work_orders_created integer not null default 0,
  work_orders_updated integer not null default 0,
  work_orders_unchanged integer not null default 0,
  work_orders_failed integer not null default 0,
  error_count integer not null default 0,
  errors jsonb not null default '[]' check (jsonb_typeof(errors) = 'array'),      -- [{line, column, message}], capped
  warnings jsonb not null default '[]' check (jsonb_typeof(warnings) = 'array'),
  created_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  check ((status in ('done', 'rejected', 'failed')) = (finished_at is not null))
);
create index imports_created_at_idx on public.imports (created_at desc);

-- What an import did to each work order (the first outcome is kept when a retried import
-- meets its own earlier writes); the changed ones enter the work-order pipeline.
create table public.import_work_orders (
  import_id uuid not null references public.imports (id) on delete cascade,
  work_order_id uuid not null references public.work_orders (id) on delete cascade,
  outcome text not null check (outcome in ('created', 'updated', 'unchanged')),
  primary key (import_id, work_order_id)
);
create index import_work_orders_work_order_idx on public.import_work_orders (work_order_id);

-- ---------------------------------------------------------------- inbound webhooks
create table public.inbound_sources (
  name text primary key check (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  description text,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);

create table public.inbound_source_secrets (
  source text primary key references public.inbound_sources (name) on delete cascade,
  secret text not null check (length(secret) >= 16),
  updated_at timestamptz not null default now()
);

-- Event ids already accepted per source: a replayed id is refused.
create table public.inbound_events (
  source text not null references public.inbound_sources (name) on delete cascade,
  event_id text not null check (length(event_id) between 1 and 200),
  event_type text not null,
  received_at timestamptz not null default now(),
  result jsonb,
  primary key (source, event_id)
);
create index inbound_events_received_at_idx on public.inbound_events (received_at);

-- ---------------------------------------------------------------- outbound webhooks
create table public.webhook_subscriptions (
  id uuid primary key default gen_random_uuid(),
  url text not null check (url ~ '^https?://[^\s]+$' and length(url) <= 2000),
  event_types text[] not null check (cardinality(event_types) > 0 and array_position(event_types, null) is null),
  active boolean not null default true,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);

create table public.webhook_subscription_secrets (
  subscription_id uuid primary key references public.webhook_subscriptions (id) on delete cascade,
  secret text not null check (length(secret) >= 16),
  updated_at timestamptz not null default now()
);

create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  subscription_id uuid not null references public.webhook_subscriptions (id) on delete cascade,
  event_id text not null,  -- the event's id (public.events.id), the same in every subscription's delivery
  event_type text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'retrying', 'dead')),
  attempts integer not null default 0,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  updated_at timestamptz not null default now(),
  unique (subscription_id, event_id)
);
create index webhook_deliveries_subscription_idx on public.webhook_deliveries (subscription_id, created_at desc);
create index webhook_deliveries_status_idx on public.webhook_deliveries (status) where status <> 'succeeded';

create table public.webhook_attempts (
  id bigint generated always as identity primary key,
  delivery_id uuid not null references public.webhook_deliveries (id) on delete cascade,
  attempt integer not null check (attempt > 0),
  started_at timestamptz not null,
  status_code integer,
  latency_ms integer not null check (latency_ms >= 0),
  error text,
  succeeded boolean not null
);
create index webhook_attempts_delivery_idx on public.webhook_attempts (delivery_id, id);

create trigger touch before update on public.inbound_sources for each row execute function bayflow.touch_row();
create trigger touch before update on public.webhook_subscriptions for each row execute function bayflow.touch_row();
create trigger audit after insert or update or delete on public.inbound_sources
  for each row execute function bayflow.audit_change('name');
create trigger audit after insert or update or delete on public.webhook_subscriptions
  for each row execute function bayflow.audit_change('id');

-- ---------------------------------------------------------------- the one write path of a work order
-- Creates or updates one work order (and the tasks it lists) from a document of
-- pipelines/csv_rows.py: keyed by (source, external_id), else by id. A field present
-- with null clears it (or restores its default); an absent field is left unchanged.
-- `created_by` (a profile id) is kept on creation only. Tasks are matched by id, else by
-- name (a new task's position is its place in the list); tasks not listed are kept.
-- `depends_on` (names of tasks of the same work order) replaces the task's dependencies.
-- Returns the work order's id and 'created', 'updated' or 'unchanged'. Runs with the
-- caller's rights (RLS applies to the webhook role).
create function bayflow.upsert_work_order(doc jsonb)
returns table (work_order_id uuid, outcome text)
language plpgsql set search_path = '' as $$
declare
  v_id uuid;
  v_changed boolean := false;
  v_created boolean := false;
  v_task jsonb;
  v_task_id uuid;
  v_owner uuid;
  v_position integer := 0;
  v_rows integer;
  v_names jsonb := '{}';
  v_dep text;
begin
  if doc ? 'external_id' and doc ->> 'external_id' is not null then
    select w.id into v_id from public.work_orders w
     where w.source = doc ->> 'source' and w.external_id = doc ->> 'external_id' for update;
  else
    select w.id into v_id from public.work_orders w where w.id = (doc ->> 'id')::uuid for update;
  end if;

  if v_id is null then
    insert into public.work_orders as w (id, source, external_id, description, priority, due_at,
      customer_name, customer_phone, customer_email, asset_kind, asset_make, asset_model, asset_year,
      vin, plate, mileage, created_by)
    values (coalesce((doc ->> 'id')::uuid, gen_random_uuid()), doc ->> 'source', doc ->> 'external_id',
      doc ->> 'description', coalesce((doc ->> 'priority')::integer, 3), (doc ->> 'due_at')::timestamptz,
      doc ->> 'customer_name', doc ->> 'customer_phone', doc ->> 'customer_email',
      coalesce(doc ->> 'asset_kind', 'vehicle'), doc ->> 'asset_make', doc ->> 'asset_model',
      (doc ->> 'asset_year')::integer, doc ->> 'vin', doc ->> 'plate', (doc ->> 'mileage')::integer,
      (doc ->> 'created_by')::uuid)
    on conflict do nothing
    returning w.id into v_id;
    if v_id is null then  -- inserted meanwhile by a concurrent import: update that one
      return query select * from bayflow.upsert_work_order(doc);
      return;
    end if;
    v_created := true;
  else
    update public.work_orders w set
      description = case when doc ? 'description' then doc ->> 'description' else w.description end,
      priority = case when doc ? 'priority' then coalesce((doc ->> 'priority')::integer, 3) else w.priority end,
      due_at = case when doc ? 'due_at' then (doc ->> 'due_at')::timestamptz else w.due_at end,
      customer_name = case when doc ? 'customer_name' then doc ->> 'customer_name' else w.customer_name end,
      customer_phone = case when doc ? 'customer_phone' then doc ->> 'customer_phone' else w.customer_phone end,
      customer_email = case when doc ? 'customer_email' then doc ->> 'customer_email' else w.customer_email end,
      asset_kind = case when doc ? 'asset_kind' then coalesce(doc ->> 'asset_kind', 'vehicle') else w.asset_kind end,
      asset_make = case when doc ? 'asset_make' then doc ->> 'asset_make' else w.asset_make end,
      asset_model = case when doc ? 'asset_model' then doc ->> 'asset_model' else w.asset_model end,
      asset_year = case when doc ? 'asset_year' then (doc ->> 'asset_year')::integer else w.asset_year end,
      vin = case when doc ? 'vin' then doc ->> 'vin' else w.vin end,
      plate = case when doc ? 'plate' then doc ->> 'plate' else w.plate end,
      mileage = case when doc ? 'mileage' then (doc ->> 'mileage')::integer else w.mileage end
    where w.id = v_id
      and (w.description, w.priority, w.due_at, w.customer_name, w.customer_phone, w.customer_email,
           w.asset_kind, w.asset_make, w.asset_model, w.asset_year, w.vin, w.plate, w.mileage)
      is distinct from (
        case when doc ? 'description' then doc ->> 'description' else w.description end,
        case when doc ? 'priority' then coalesce((doc ->> 'priority')::integer, 3) else w.priority end,
        case when doc ? 'due_at' then (doc ->> 'due_at')::timestamptz else w.due_at end,
        case when doc ? 'customer_name' then doc ->> 'customer_name' else w.customer_name end,
        case when doc ? 'customer_phone' then doc ->> 'customer_phone' else w.customer_phone end,
        case when doc ? 'customer_email' then doc ->> 'customer_email' else w.customer_email end,
        case when doc ? 'asset_kind' then coalesce(doc ->> 'asset_kind', 'vehicle') else w.asset_kind end,
        case when doc ? 'asset_make' then doc ->> 'asset_make' else w.asset_make end,
        case when doc ? 'asset_model' then doc ->> 'asset_model' else w.asset_model end,
        case when doc ? 'asset_year' then (doc ->> 'asset_year')::integer else w.asset_year end,
        case when doc ? 'vin' then doc ->> 'vin' else w.vin end,
        case when doc ? 'plate' then doc ->> 'plate' else w.plate end,
        case when doc ? 'mileage' then (doc ->> 'mileage')::integer else w.mileage end);
    v_changed := found;
  end if;

  for v_task in select * from jsonb_array_elements(coalesce(doc -> 'tasks', '[]')) loop
    v_task_id := null;
    if v_task ->> 'id' is not null then
      select t.id, t.work_order_id into v_task_id, v_owner from public.tasks t where t.id = (v_task ->> 'id')::uuid;
      if v_owner is not null and v_owner <> v_id then
        raise exception 'task % belongs to another work order', v_task ->> 'id'
          using errcode = 'check_violation', constraint = 'tasks_id_of_work_order';
      end if;
    else
      select t.id into v_task_id from public.tasks t
       where t.work_order_id = v_id and t.name = v_task ->> 'name' order by t.position, t.created_at limit 1;
    end if;
    if v_task_id is null then
      insert into public.tasks (id, work_order_id, position, name, duration_minutes, required_skill,
        required_bay_type, needs_parts, parts_ready_at, notes)
      values (coalesce((v_task ->> 'id')::uuid, gen_random_uuid()), v_id, v_position, v_task ->> 'name',
        (v_task ->> 'duration_minutes')::integer, v_task ->> 'required_skill', v_task ->> 'required_bay_type',
        coalesce((v_task ->> 'needs_parts')::boolean, false), (v_task ->> 'parts_ready_at')::timestamptz,
        v_task ->> 'notes')
      returning id into v_task_id;
      v_changed := true;
    else
      update public.tasks t set
        name = v_task ->> 'name',
        duration_minutes = (v_task ->> 'duration_minutes')::integer,
        required_skill = case when v_task ? 'required_skill' then v_task ->> 'required_skill' else t.required_skill end,
        required_bay_type = case when v_task ? 'required_bay_type' then v_task ->> 'required_bay_type' else t.required_bay_type end,
        needs_parts = case when v_task ? 'needs_parts' then coalesce((v_task ->> 'needs_parts')::boolean, false) else t.needs_parts end,
        parts_ready_at = case when v_task ? 'parts_ready_at' then (v_task ->> 'parts_ready_at')::timestamptz else t.parts_ready_at end,
        notes = case when v_task ? 'notes' then v_task ->> 'notes' else t.notes end
      where t.id = v_task_id
        and (t.name, t.duration_minutes, t.required_skill, t.required_bay_type, t.needs_parts,
             t.parts_ready_at, t.notes)
        is distinct from (v_task ->> 'name', (v_task ->> 'duration_minutes')::integer,
          case when v_task ? 'required_skill' then v_task ->> 'required_skill' else t.required_skill end,
          case when v_task ? 'required_bay_type' then v_task ->> 'required_bay_type' else t.required_bay_type end,
          case when v_task ? 'needs_parts' then coalesce((v_task ->> 'needs_parts')::boolean, false) else t.needs_parts end,
          case when v_task ? 'parts_ready_at' then (v_task ->> 'parts_ready_at')::timestamptz else t.parts_ready_at end,
          case when v_task ? 'notes' then v_task ->> 'notes' else t.notes end);
      v_changed := v_changed or found;
    end if;
    v_names := v_names || jsonb_build_object(v_task ->> 'name', v_task_id);
    v_position := v_position + 1;
  end loop;

  -- Dependencies, once every listed task exists.
  for v_task in select * from jsonb_array_elements(coalesce(doc -> 'tasks', '[]')) loop
    continue when not v_task ? 'depends_on';
    v_task_id := (v_names ->> (v_task ->> 'name'))::uuid;
    delete from public.task_dependencies d
     where d.task_id = v_task_id
       and d.depends_on_task_id not in (
         select (v_names ->> n)::uuid from jsonb_array_elements_text(coalesce(nullif(v_task -> 'depends_on', 'null'), '[]')) n);
    get diagnostics v_rows = row_count;
    v_changed := v_changed or v_rows > 0;
    for v_dep in select * from jsonb_array_elements_text(coalesce(nullif(v_task -> 'depends_on', 'null'), '[]')) loop
      insert into public.task_dependencies (task_id, depends_on_task_id)
      values (v_task_id, (v_names ->> v_dep)::uuid)
      on conflict do nothing;
      get diagnostics v_rows = row_count;
      v_changed := v_changed or v_rows > 0;
    end loop;
  end loop;

  return query select v_id, case when v_created then 'created' when v_changed then 'updated' else 'unchanged' end;
end
$$;

-- ---------------------------------------------------------------- the inbound webhook role
do $$
begin
  if not exists (select from pg_roles where rolname = 'bayflow_webhook') then
    begin
      create role bayflow_webhook nologin noinherit;
    exception when duplicate_object or unique_violation then
      null;  -- created meanwhile by a concurrent migrator on another database
    end;
  end if;
end
$$;
-- A non-superuser owner (Supabase's `postgres`, DATABASE_URL of the API) needs membership to switch to it.
do $$
begin
  if not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant bayflow_webhook to %I', current_user);
  end if;
end
$$;
grant usage on schema bayflow to bayflow_webhook;
grant usage on schema public to bayflow_webhook;

-- ---------------------------------------------------------------- grants and policies
revoke all on public.imports, public.import_work_orders, public.inbound_sources, public.inbound_source_secrets, public.inbound_events,
  public.webhook_subscriptions, public.webhook_subscription_secrets, public.webhook_deliveries,
  public.webhook_attempts from public, anon, authenticated, service_role;
revoke all on function bayflow.upsert_work_order(jsonb) from public;

-- Staff start imports and read them (not the stored file).
grant select (id, filename, source, mode, status, size_bytes, rows_total, rows_invalid, work_orders_total,
  work_orders_written, work_orders_created, work_orders_updated, work_orders_unchanged, work_orders_failed,
  error_count, errors, warnings, created_by, created_at, started_at, finished_at, updated_at)
  on public.imports to authenticated;
grant insert (filename, source, mode, content, size_bytes, rows_total, created_by) on public.imports to authenticated;
grant select on public.import_work_orders to authenticated;
-- Admins manage sources and subscriptions; secrets are write-only. Staff read deliveries
-- and attempts and may ask for a re-send.
grant select, insert, update, delete on public.inbound_sources, public.webhook_subscriptions to authenticated;
grant insert, update (secret, updated_at) on public.inbound_source_secrets, public.webhook_subscription_secrets
  to authenticated;
grant select (source, updated_at) on public.inbound_source_secrets to authenticated;
grant select (subscription_id, updated_at) on public.webhook_subscription_secrets to authenticated;
grant select on public.inbound_events, public.webhook_deliveries, public.webhook_attempts to authenticated;
grant update (status, updated_at) on public.webhook_deliveries to authenticated;
grant all on public.imports, public.import_work_orders, public.inbound_sources, public.inbound_source_secrets, public.inbound_events,
  public.webhook_subscriptions, public.webhook_subscription_secrets, public.webhook_deliveries,
  public.webhook_attempts to service_role;
grant execute on function bayflow.upsert_work_order(jsonb) to service_role, bayflow_webhook;

alter table public.imports enable row level security;
alter table public.import_work_orders enable row level security;
alter table public.inbound_sources enable row level security;
alter table public.inbound_source_secrets enable row level security;
alter table public.inbound_events enable row level security;
alter table public.webhook_subscriptions enable row level security;
alter table public.webhook_subscription_secrets enable row level security;
alter table public.webhook_deliveries enable row level security;
alter table public.webhook_attempts enable row level security;

create policy staff_read on public.imports for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_read on public.import_work_orders for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_insert on public.imports for insert to authenticated
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher') and created_by = (select auth.uid()));
create policy admin_all on public.inbound_sources for all to authenticated
  using ((select bayflow.app_role()) = 'admin') with check ((select bayflow.app_role()) = 'admin');
create policy admin_all on public.inbound_source_secrets for all to authenticated
  using ((select bayflow.app_role()) = 'admin') with check ((select bayflow.app_role()) = 'admin');
create policy admin_read on public.inbound_events for select to authenticated
  using ((select bayflow.app_role()) = 'admin');
create policy admin_all on public.webhook_subscriptions for all to authenticated
  using ((select bayflow.app_role()) = 'admin') with check ((select bayflow.app_role()) = 'admin');
create policy admin_all on public.webhook_subscription_secrets for all to authenticated
  using ((select bayflow.app_role()) = 'admin') with check ((select bayflow.app_role()) = 'admin');
create policy staff_read on public.webhook_deliveries for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_resend on public.webhook_deliveries for update to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_read on public.webhook_attempts for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));

-- The inbound webhook role: its own source's secret and events, and the work orders
-- (with tasks and dependencies) of that source only.
grant select on public.inbound_sources, public.inbound_source_secrets, public.shop_settings to bayflow_webhook;
grant select, insert, update (result) on public.inbound_events to bayflow_webhook;
grant select, insert, update on public.work_orders, public.tasks to bayflow_webhook;
grant select, insert, delete on public.task_dependencies to bayflow_webhook;
do $$  -- the queue's transactional enqueue (migration 0500), whatever its signature
declare
  f regprocedure;
begin
  for f in select p.oid from pg_proc p where p.pronamespace = 'bayflow'::regnamespace and p.proname = 'enqueue' loop
    execute format('grant execute on function %s to bayflow_webhook', f);
  end loop;
end
$$;

create policy webhook_own_source on public.inbound_sources for select to bayflow_webhook
  using (name = current_setting('bayflow.webhook_source', true) and active);
create policy webhook_own_source on public.inbound_source_secrets for select to bayflow_webhook
  using (source = current_setting('bayflow.webhook_source', true));
create policy webhook_own_source on public.inbound_events for all to bayflow_webhook
  using (source = current_setting('bayflow.webhook_source', true))
  with check (source = current_setting('bayflow.webhook_source', true));
create policy webhook_read on public.shop_settings for select to bayflow_webhook using (true);
create policy webhook_own_source on public.work_orders for all to bayflow_webhook
  using (source = current_setting('bayflow.webhook_source', true))
  with check (source = current_setting('bayflow.webhook_source', true));
create policy webhook_own_source on public.tasks for all to bayflow_webhook
  using (exists (select from public.work_orders w
                  where w.id = work_order_id and w.source = current_setting('bayflow.webhook_source', true)))
  with check (exists (select from public.work_orders w
                       where w.id = work_order_id and w.source = current_setting('bayflow.webhook_source', true)));
create policy webhook_own_source on public.task_dependencies for all to bayflow_webhook
  using (exists (select from public.tasks t where t.id = task_id))
  with check (exists (select from public.tasks t where t.id = task_id));

-- ... and the pipeline runs it starts for them (pipelines.work_order_flow, migration 0750).
grant select, insert on public.pipeline_runs, public.pipeline_steps to bayflow_webhook;
grant execute on function bayflow.start_pipeline_run(text, uuid, text, text) to bayflow_webhook;
create policy webhook_own_runs on public.pipeline_runs for all to bayflow_webhook
  using (triggered_by = 'webhook:' || current_setting('bayflow.webhook_source', true))
  with check (triggered_by = 'webhook:' || current_setting('bayflow.webhook_source', true));
create policy webhook_own_runs on public.pipeline_steps for all to bayflow_webhook
  using (exists (select from public.pipeline_runs r where r.id = run_id))
  with check (exists (select from public.pipeline_runs r where r.id = run_id));
-- Triggers on tasks ask for the caller's profile role (none here).
grant execute on function bayflow.app_role() to bayflow_webhook;
