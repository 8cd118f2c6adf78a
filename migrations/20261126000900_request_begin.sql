-- The start of an API request transaction in one round trip (api/deps.py): act as
-- `authenticated` with the verified claims and the request id, then return the caller's
-- `bayflow.app_role()` (null: no profile). The statements run in this order, so the role
-- is looked up as `authenticated` with the claims already set.
--
-- Invoker rights: the function can do nothing its caller could not do statement by
-- statement (switching to `authenticated` still needs membership in it). The settings are
-- transaction-local (`set_config(..., true)`) and outlive the call, since the function
-- has no SET clause for them. Callers: the API's pooled connections (`bayflow_api`), a
-- login role that is a member of `authenticated`, and Supabase's `authenticator` (NOINHERIT,
-- so it gets the grant itself). Granting `bayflow_api` usage on schema bayflow exposes no
-- table (the schema has none) and no callable function but this one.
create function bayflow.begin_request(claims text, request_id text) returns text
language plpgsql volatile set search_path = '' as $$
begin
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims', claims, true);
  perform set_config('bayflow.request_id', request_id, true);
  return bayflow.app_role();
end
$$;

revoke all on function bayflow.begin_request(text, text) from public;
grant usage on schema bayflow to bayflow_api;
grant execute on function bayflow.begin_request(text, text) to bayflow_api, authenticated;

do $$
begin
  if exists (select from pg_roles where rolname = 'authenticator') then
    grant usage on schema bayflow to authenticator;
    grant execute on function bayflow.begin_request(text, text) to authenticator;
  end if;
end
$$;

-- The role look-ups every policy makes once per statement, in PL/pgSQL: a SQL-language
-- security definer function cannot be inlined, so its body was parsed and planned again in
-- every statement; PL/pgSQL keeps the plan for the session. Same signature, rights, search
-- path and grants (`create or replace` keeps them), same result.
create or replace function bayflow.app_role() returns text
language plpgsql stable security definer set search_path = '' as $$
begin
  return (select role from public.profiles where id = auth.uid());
end
$$;

create or replace function bayflow.current_technician_id() returns uuid
language plpgsql stable security definer set search_path = '' as $$
begin
  return (select id from public.technicians where profile_id = auth.uid());
end
$$;
