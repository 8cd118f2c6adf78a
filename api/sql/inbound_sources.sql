-- A source is read with when its secret last changed (never the secret).

-- name: source
select s.name, s.description, s.active, k.updated_at as secret_updated_at, s.created_at, s.updated_at, s.version
  from public.inbound_sources s join public.inbound_source_secrets k on k.source = s.name
 where s.name = :name

-- name: sources
select s.name, s.description, s.active, k.updated_at as secret_updated_at, s.created_at, s.updated_at, s.version
  from public.inbound_sources s join public.inbound_source_secrets k on k.source = s.name
 order by s.name

-- name: insert_source
insert into public.inbound_sources (name, description, active) values (:name, :d, :a)

-- name: insert_source_secret
insert into public.inbound_source_secrets (source, secret) values (:name, :secret)

-- name: update_source
-- A PATCH: each column changes only when its `<column>_set` flag is true.
update public.inbound_sources
   set description = case when :description_set::boolean then :description::text else description end,
       active = case when :active_set::boolean then :active::boolean else active end
 where name = :name

-- name: update_source_secret
update public.inbound_source_secrets set secret = :secret, updated_at = now() where source = :name

-- name: delete_source
delete from public.inbound_sources where name = :name returning name
