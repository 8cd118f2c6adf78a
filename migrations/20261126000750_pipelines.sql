-- The work-order pipeline (enrich -> plan tasks -> schedule -> notify): what each work
-- order's run is doing, what enrichment and planning decided, and the notifications and
-- events it produced.
--
-- pipeline_runs / pipeline_steps: one run per trigger (a work order created or changed, a
-- reschedule), one row per step with its status, attempts, timings and error. Staff read them;
-- the API starts runs (in the create request's transaction) and restarts failed ones.
-- events: what happened, one row each, announced on NOTIFY channel `bayflow_events` with a
-- small JSON payload {id, type, work_order_id, task_id, schedule_run_id, audience}. Staff see
-- every event; anyone else only events naming them in `audience` (a tech: their tasks).
-- notifications: an event delivered to one person's inbox, with its read time.

alter table public.work_orders
  add column enrichment jsonb,          -- the gateway's enrichment (suggested_priority, summary, asset)
  add column enrichment_source text,    -- "rules", "anthropic:<model>", "openai:<model>"
  add column plan_source text;          -- "canned:<job>", "anthropic:<model>", "openai:<model>", "dispatcher"

-- Parts a planned task uses, [{name, qty}]; whether they are in stock is `needs_parts`.
alter table public.tasks
  add column parts jsonb not null default '[]'::jsonb check (jsonb_typeof(parts) = 'array');

create table public.pipeline_runs (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('work_order', 'reschedule')),
  work_order_id uuid references public.work_orders (id) on delete cascade,
  triggered_by text not null check (length(btrim(triggered_by)) > 0),
  status text not null default 'queued'
    check (status in ('queued', 'running', 'succeeded', 'failed')),
  step text not null check (step in ('enrich', 'plan', 'schedule', 'notify')),  -- current or last step
  error text,
  schedule_run_id uuid references public.schedule_runs (id) on delete set null,  -- placed this run's tasks
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  check ((kind = 'work_order') = (work_order_id is not null)),
  check ((status in ('succeeded', 'failed')) = (finished_at is not null)),
  check ((status = 'failed') = (error is not null))
);
create index pipeline_runs_work_order_idx on public.pipeline_runs (work_order_id, created_at desc);
create index pipeline_runs_created_at_idx on public.pipeline_runs (created_at desc, id desc);
create index pipeline_runs_waiting_idx on public.pipeline_runs (step, status) where status in ('queued', 'running');

create table public.pipeline_steps (
  run_id uuid not null references public.pipeline_runs (id) on delete cascade,
  step text not null check (step in ('enrich', 'plan', 'schedule', 'notify')),
  status text not null default 'pending'
    check (status in ('pending', 'running', 'succeeded', 'skipped', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  started_at timestamptz,
  finished_at timestamptz,
  error text,
  detail jsonb not null default '{}'::jsonb,  -- what the step decided: source, task count, schedule run, reasons
  primary key (run_id, step)
);

create table public.events (
  id bigint generated always as identity primary key,
  type text not null check (type in ('work_order.planned', 'work_order.needs_review', 'schedule.published',
                                     'task.assigned', 'task.moved', 'pipeline.failed')),
  work_order_id uuid references public.work_orders (id) on delete cascade,
  task_id uuid references public.tasks (id) on delete cascade,
  schedule_run_id uuid references public.schedule_runs (id) on delete cascade,
  audience uuid[] not null default '{}',  -- profiles besides staff who may see it
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index events_created_at_idx on public.events (created_at);
create index events_type_idx on public.events (type, id);

create table public.notifications (
  id bigint generated always as identity primary key,
  profile_id uuid not null references public.profiles (id) on delete cascade,
  event_id bigint not null references public.events (id) on delete cascade,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  unique (profile_id, event_id)
);
create index notifications_inbox_idx on public.notifications (profile_id, id desc);

create function bayflow.announce_event() returns trigger
language plpgsql set search_path = '' as $$
begin
  perform pg_notify('bayflow_events', json_build_object(
    'id', new.id, 'type', new.type, 'work_order_id', new.work_order_id, 'task_id', new.task_id,
    'schedule_run_id', new.schedule_run_id, 'audience', new.audience)::text);
  return new;
end
$$;
create trigger announce after insert on public.events
  for each row execute function bayflow.announce_event();

revoke all on public.pipeline_runs, public.pipeline_steps, public.events, public.notifications
  from public, anon, authenticated, service_role;
grant select, insert, update on public.pipeline_runs, public.pipeline_steps to authenticated;
grant select on public.events to authenticated;
grant select, update (read_at) on public.notifications to authenticated;
grant all on public.pipeline_runs, public.pipeline_steps, public.events, public.notifications to service_role;

alter table public.pipeline_runs enable row level security;
alter table public.pipeline_steps enable row level security;
alter table public.events enable row level security;
alter table public.notifications enable row level security;

create policy staff_all on public.pipeline_runs for all to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_all on public.pipeline_steps for all to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'))
  with check ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_or_audience_read on public.events for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher') or (select auth.uid()) = any (audience));
create policy own_read on public.notifications for select to authenticated
  using (profile_id = (select auth.uid()));
create policy own_mark_read on public.notifications for update to authenticated
  using (profile_id = (select auth.uid()))
  with check (profile_id = (select auth.uid()));

-- A new run waiting at `p_first_step`, with a pending row for it and each later step.
-- Security invoker: the API creates runs as `authenticated`, so the staff policy applies.
create function bayflow.start_pipeline_run(p_kind text, p_work_order_id uuid, p_triggered_by text,
                                           p_first_step text) returns uuid
language plpgsql set search_path = '' as $$
declare
  v_steps text[] := array['enrich', 'plan', 'schedule', 'notify'];
  v_id uuid;
begin
  if array_position(v_steps, p_first_step) is null then
    raise exception 'no pipeline step %', p_first_step using errcode = '22023';
  end if;
  insert into public.pipeline_runs (kind, work_order_id, triggered_by, step)
  values (p_kind, p_work_order_id, p_triggered_by, p_first_step)
  returning id into v_id;
  insert into public.pipeline_steps (run_id, step)
  select v_id, s from unnest(v_steps[array_position(v_steps, p_first_step):]) s;
  return v_id;
end
$$;

-- Puts a failed run back in the queue at the step that failed (attempts keep counting);
-- returns that step and the run's schedule run, or no row when the run is not failed.
create function bayflow.restart_pipeline_run(p_run_id uuid) returns table (step text, schedule_run_id uuid)
language sql set search_path = '' as $$
  with run as (
    update public.pipeline_runs r
       set status = 'queued', error = null, finished_at = null, updated_at = now()
     where r.id = p_run_id and r.status = 'failed'
    returning r.id, r.step, r.schedule_run_id
  ), reset as (
    update public.pipeline_steps s set status = 'pending', error = null, finished_at = null
      from run where s.run_id = run.id and s.step = run.step
    returning s.run_id
  )
  select run.step, run.schedule_run_id from run
$$;

revoke all on function bayflow.start_pipeline_run(text, uuid, text, text), bayflow.restart_pipeline_run(uuid)
  from public;
grant execute on function bayflow.start_pipeline_run(text, uuid, text, text), bayflow.restart_pipeline_run(uuid)
  to authenticated, service_role;
