-- Row level security: who may read and change what is enforced here, not in Python.
--
-- The API acts as role `authenticated` with the request's JWT claims (see
-- api/deps.py); `bayflow.app_role()` maps auth.uid() to its profile's role:
--   admin       reads and manages all shop data and is the only one managing profiles;
--   dispatcher  reads and manages all shop data (work orders, tasks, dependencies,
--               technicians, bays, calendar events, shop settings), reads all profiles;
--   tech        reads their own profile, technician row and calendar events, the tasks
--               assigned to them, and their work orders through the view
--               `public.tech_work_orders` (no customer contact fields); may change only
--               `status` and `notes` of their tasks. Everyone with a profile reads bays
--               (where a task happens) and shop_settings (the shop's timezone).
-- A user without a profile sees nothing. `anon` gets nothing. `service_role` has all
-- grants and bypasses RLS (as on Supabase). Policies call auth.uid() and the role
-- look-ups inside `(select ...)` so they run once per statement, and the look-ups
-- are security definer functions so no policy queries its own table.

-- The API's pooled connections `set role bayflow_api`: it has no grants of its own
-- (NOINHERIT), so a query outside a request transaction fails closed; each request
-- switches to `authenticated` (a member role) for its transaction.
do $$
begin
  if not exists (select from pg_roles where rolname = 'bayflow_api') then
    begin
      create role bayflow_api nologin noinherit;
    exception when duplicate_object or unique_violation then
      null;  -- created meanwhile by a concurrent migrator on another database
    end;
  end if;
  -- A non-superuser owner (Supabase's `postgres`) needs membership to `set role bayflow_api`.
  if not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant bayflow_api to %I', current_user);
  end if;
end
$$;
grant authenticated to bayflow_api;

create function bayflow.app_role() returns text
language sql stable security definer set search_path = '' as $$
  select role from public.profiles where id = auth.uid()
$$;

-- The technician row of the calling user, or null.
create function bayflow.current_technician_id() returns uuid
language sql stable security definer set search_path = '' as $$
  select id from public.technicians where profile_id = auth.uid()
$$;

-- Rejects a technician's update of a task that changes anything but status and notes.
create function bayflow.limit_tech_task_update() returns trigger
language plpgsql set search_path = '' as $$
declare
  changed text[];
begin
  if bayflow.app_role() is distinct from 'tech' then
    return new;
  end if;
  select array_agg(n.key order by n.key) into changed
    from jsonb_each(to_jsonb(new)) n
   where n.key not in ('status', 'notes', 'version', 'updated_at')
     and n.value is distinct from to_jsonb(old) -> n.key;
  if changed is not null then
    raise exception 'technicians may change only status and notes of their tasks, not %',
      array_to_string(changed, ', ')
      using errcode = 'insufficient_privilege', hint = 'ask a dispatcher to change the other fields';
  end if;
  return new;
end
$$;
create trigger limit_tech_update before update on public.tasks
  for each row execute function bayflow.limit_tech_task_update();

revoke all on function bayflow.app_role(), bayflow.current_technician_id(), bayflow.limit_tech_task_update() from public;
grant usage on schema bayflow to authenticated, service_role;
grant execute on function bayflow.app_role(), bayflow.current_technician_id() to authenticated, service_role;

-- Grants: nothing by default, then per table.
revoke all on public.shop_settings, public.profiles, public.technicians, public.bays, public.work_orders,
  public.tasks, public.task_dependencies, public.calendar_events, public.audit_log
  from public, anon, authenticated, service_role;

grant select, update on public.shop_settings to authenticated;
grant select, insert, update, delete on public.profiles, public.technicians, public.bays, public.work_orders,
  public.tasks, public.task_dependencies, public.calendar_events to authenticated;
grant select on public.audit_log to authenticated;

grant all on public.shop_settings, public.profiles, public.technicians, public.bays, public.work_orders,
  public.tasks, public.task_dependencies, public.calendar_events to service_role;
grant select on public.audit_log to service_role;

alter table public.shop_settings enable row level security;
alter table public.profiles enable row level security;
alter table public.technicians enable row level security;
alter table public.bays enable row level security;
alter table public.work_orders enable row level security;
alter table public.tasks enable row level security;
alter table public.task_dependencies enable row level security;
alter table public.calendar_events enable row level security;

-- Staff (admins and dispatchers) manage all shop data.
create policy staff_all on public.shop_settings for all to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_all on public.technicians for all to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_all on public.bays for all to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_all on public.work_orders for all to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_all on public.tasks for all to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_all on public.task_dependencies for all to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_all on public.calendar_events for all to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_read on public.audit_log for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));

-- Profiles: admins manage them; dispatchers read all; everyone reads their own.
create policy admin_all on public.profiles for all to authenticated
  using ((select bayflow.app_role()) = 'admin')
  with check ((select bayflow.app_role()) = 'admin');
create policy read_own_or_dispatcher on public.profiles for select to authenticated
  using (id = (select auth.uid()) or (select bayflow.app_role()) = 'dispatcher');

-- Whoever has a profile reads the shop's settings and bays.
create policy profile_read on public.shop_settings for select to authenticated
  using ((select bayflow.app_role()) is not null);
create policy profile_read on public.bays for select to authenticated
  using ((select bayflow.app_role()) is not null);

-- A technician's own rows.
create policy tech_read_own on public.technicians for select to authenticated
  using (profile_id = (select auth.uid()));
create policy tech_read_own on public.calendar_events for select to authenticated
  using (technician_id = (select bayflow.current_technician_id()));
create policy tech_read_assigned on public.tasks for select to authenticated
  using (assigned_technician_id = (select bayflow.current_technician_id()));
-- Which columns a tech may change is checked by the trigger limit_tech_update.
create policy tech_update_assigned on public.tasks for update to authenticated
  using (assigned_technician_id = (select bayflow.current_technician_id()))
  with check (assigned_technician_id = (select bayflow.current_technician_id()));

-- Techs get no policy on work_orders (RLS shows them no rows there). Column grants
-- cannot hide customer contact fields from techs only (grants are per database role
-- and every user is `authenticated`), so techs read their work orders through this
-- view. It runs with its owner's rights (bypassing work_orders' RLS), so it filters
-- itself: only work orders with a task assigned to the caller's technician row, and
-- only the fields a technician needs. security_barrier keeps callers' predicates
-- from running before that filter.
create view public.tech_work_orders with (security_barrier) as
  select wo.id, wo.number, wo.asset_kind, wo.asset_make, wo.asset_model, wo.asset_year,
         wo.vin, wo.plate, wo.mileage, wo.description, wo.priority, wo.urgency, wo.category,
         wo.due_at, wo.status, wo.updated_at, wo.version
    from public.work_orders wo
   where exists (
     select from public.tasks t
      where t.work_order_id = wo.id
        and t.assigned_technician_id = (select bayflow.current_technician_id()));
revoke all on public.tech_work_orders from public, anon, authenticated, service_role;
grant select on public.tech_work_orders to authenticated, service_role;
