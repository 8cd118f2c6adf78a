-- The job queue behind bayflow's dramatiq broker (tasks/broker.py): one row per message.
--
-- Hot path: consumers claim `queued` rows with SKIP LOCKED through a partial index that
-- holds only the ready set, so finished rows (kept for ops, purged after a retention)
-- never slow claims. A claim counts the attempt and sets a lease (owner, token, expiry);
-- acks are fenced by the token, so a worker whose lease was rescued cannot ack.

create table public.job_queue (
  id bigint generated always as identity primary key,
  message_id uuid not null unique,
  queue text not null check (length(queue) > 0),
  actor text not null check (length(actor) > 0),
  message jsonb not null,
  status text not null default 'queued'
    check (status in ('queued', 'running', 'done', 'failed', 'cancelled')),
  priority integer not null default 0,          -- lower runs first, as dramatiq's actor priority
  run_at timestamptz not null default now(),    -- delays, retry backoff, ETA
  attempts integer not null default 0 check (attempts >= 0),  -- counted at claim
  max_attempts integer not null default 21 check (max_attempts > 0),
  unique_key text,                              -- at most one not-yet-started job per key
  pipeline_id text,                             -- pipeline / correlation id
  lease_owner text,
  lease_token uuid,
  lease_expires_at timestamptz,
  last_error text,
  traceback text,
  enqueued_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  check ((status = 'running') = (lease_token is not null and lease_expires_at is not null)),
  check ((status in ('done', 'failed', 'cancelled')) = (finished_at is not null))
) with (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);

comment on table public.job_queue is
  'dramatiq messages of the Postgres broker; finished rows are purged after BAYFLOW_JOB_RETENTION_S';

create index job_queue_ready on public.job_queue (queue, priority, run_at) where status = 'queued';
create index job_queue_leases on public.job_queue (lease_expires_at) where status = 'running';
create unique index job_queue_unique_pending on public.job_queue (unique_key)
  where status = 'queued' and attempts = 0 and unique_key is not null;
create index job_queue_finished on public.job_queue (finished_at) where finished_at is not null;
create index job_queue_dead on public.job_queue (id) where status in ('failed', 'cancelled');
create index job_queue_pipeline on public.job_queue (pipeline_id) where pipeline_id is not null;

-- Results of actors (dramatiq's Results middleware, pipelines' get_result).
create table public.job_results (
  message_key text primary key,
  result jsonb not null,
  expires_at timestamptz not null
);
create index job_results_expiry on public.job_results (expires_at);

-- Cron schedules; worker processes claim due rows with SKIP LOCKED so a tick fires once.
create table public.periodic_schedules (
  name text primary key check (length(name) > 0),
  cron text not null,
  timezone text not null default 'UTC',
  actor text not null,
  queue text not null,
  args jsonb not null default '[]' check (jsonb_typeof(args) = 'array'),
  kwargs jsonb not null default '{}' check (jsonb_typeof(kwargs) = 'object'),
  next_run_at timestamptz not null,
  last_run_at timestamptz,
  updated_at timestamptz not null default now()
);

-- Transactional enqueue for any caller, the API's `authenticated` requests included:
-- the row exists only if the caller's transaction commits. A duplicate unique key
-- among not-yet-started jobs is a no-op that returns the existing job (created = false).
create function bayflow.enqueue(
  p_message jsonb,
  p_priority integer default 0,
  p_delay interval default null,
  p_max_attempts integer default 21,
  p_unique_key text default null,
  p_pipeline_id text default null
) returns table (job_id bigint, message_id uuid, created boolean)
language plpgsql security definer set search_path = '' as $$
declare
  v_queue text := p_message ->> 'queue_name';
  v_actor text := p_message ->> 'actor_name';
  v_run_at timestamptz := now() + coalesce(p_delay, interval '0');
begin
  -- security definer: current_user is the owner here; the caller's role is the `role` setting
  if current_setting('role', true) = 'authenticated' and bayflow.app_role() is null then
    raise exception 'enqueue needs a user with a profile' using errcode = '42501';
  end if;
  if v_queue is null or v_actor is null or (p_message ->> 'message_id') is null then
    raise exception 'message needs queue_name, actor_name and message_id' using errcode = '22023';
  end if;
  loop
    insert into public.job_queue as j
      (message_id, queue, actor, message, priority, run_at, max_attempts, unique_key, pipeline_id)
    values ((p_message ->> 'message_id')::uuid, v_queue, v_actor, p_message, p_priority, v_run_at,
            p_max_attempts, p_unique_key, p_pipeline_id)
    on conflict do nothing
    returning j.id, j.message_id, true into job_id, message_id, created;
    if found then
      if v_run_at <= now() then
        perform pg_notify('bayflow_jobs', v_queue);
      end if;
      return next;
      return;
    end if;
    select j.id, j.message_id, false into job_id, message_id, created
      from public.job_queue j
     where (p_unique_key is not null and j.unique_key = p_unique_key and j.status = 'queued' and j.attempts = 0)
        or j.message_id = (p_message ->> 'message_id')::uuid
     limit 1;
    if found then
      return next;
      return;
    end if;
    -- the conflicting job was claimed meanwhile: a new one may be inserted now
  end loop;
end
$$;

-- Per-queue counts for ops, `bayflow jobs` and the API's /metrics (aggregates only).
create function bayflow.queue_stats()
returns table (queue text, queued bigint, ready bigint, running bigint, done bigint, failed bigint,
               cancelled bigint, oldest_ready_age_s double precision, processed_last_minute bigint,
               failed_last_minute bigint)
language sql stable security definer set search_path = '' as $$
  select j.queue,
         count(*) filter (where j.status = 'queued'),
         count(*) filter (where j.status = 'queued' and j.run_at <= now()),
         count(*) filter (where j.status = 'running'),
         count(*) filter (where j.status = 'done'),
         count(*) filter (where j.status = 'failed'),
         count(*) filter (where j.status = 'cancelled'),
         coalesce(extract(epoch from now() - min(j.run_at) filter (where j.status = 'queued' and j.run_at <= now())), 0)::double precision,
         count(*) filter (where j.status = 'done' and j.finished_at > now() - interval '1 minute'),
         count(*) filter (where j.status = 'failed' and j.finished_at > now() - interval '1 minute')
    from public.job_queue j
   group by j.queue
   order by j.queue
$$;

revoke all on function bayflow.enqueue(jsonb, integer, interval, integer, text, text),
  bayflow.queue_stats() from public;
grant execute on function bayflow.enqueue(jsonb, integer, interval, integer, text, text),
  bayflow.queue_stats() to authenticated, service_role;

-- Ops (dispatchers and admins) read jobs and retry or cancel them under RLS.
alter table public.job_queue enable row level security;
alter table public.job_results enable row level security;
alter table public.periodic_schedules enable row level security;
grant select on public.job_queue to authenticated;
grant update (status, run_at, attempts, finished_at, lease_owner, lease_token, lease_expires_at, updated_at)
  on public.job_queue to authenticated;
grant all on public.job_queue, public.job_results, public.periodic_schedules to service_role;
create policy job_queue_ops_read on public.job_queue for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy job_queue_ops_update on public.job_queue for update to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
