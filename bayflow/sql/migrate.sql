-- The migration runner's own bookkeeping (Supabase's `supabase_migrations.schema_migrations`).

-- name: lock
-- One runner at a time: concurrent starts wait, then find the migrations applied.
select pg_advisory_xact_lock(:key)

-- name: create_schema
create schema if not exists supabase_migrations

-- name: create_table
create table if not exists supabase_migrations.schema_migrations
  (version text primary key, statements text[], name text)

-- name: applied
select version, statements from supabase_migrations.schema_migrations

-- name: is_applied
select 1 from supabase_migrations.schema_migrations where version = :version

-- name: record
insert into supabase_migrations.schema_migrations (version, name, statements)
values (:version, :name, :statements)
