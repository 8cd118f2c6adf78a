-- The dev issuer's sign-in list (api/routers/dev_auth.py, served only while SUPABASE_URL is
-- unset): the users that have a profile, for the board's and the app's "pick a demo user".
-- Only the API's own role may call it; on a Supabase project nobody does (tokens come from
-- Supabase Auth there, and the route does not exist).
create function bayflow.dev_sign_in_users() returns table (id uuid, email text, role text, display_name text)
language sql stable security definer set search_path = '' as $$
  select p.id, u.email, p.role, p.display_name
    from public.profiles p join auth.users u on u.id = p.id
   where u.email is not null
   order by case p.role when 'dispatcher' then 0 when 'admin' then 1 else 2 end, p.display_name
$$;

revoke all on function bayflow.dev_sign_in_users() from public;
grant execute on function bayflow.dev_sign_in_users() to bayflow_api;
