-- Real-time re-optimization (issue #17): what changed since the last schedule, the triggers
-- that record it and ask for one coalesced partial re-optimization, and each run's diff.
--
-- schedule_changes: one row per change (a task's duration, status, actual times or parts
-- ETA; a calendar event; a work order's priority or due date; a dispatcher's move; a
-- request; the nightly run), pending until a schedule run answers it (`schedule_run_id`).
-- A run answers every change pending when it loaded the shop, so coalesced triggers are
-- answered together. `detail` holds the facts the run words its reasons from.
-- schedule_run_moves: the run's diff against the schedule it replaced, one row per task it
-- moved, placed or unplaced, with why.
-- Triggers fire per statement and only on the listed columns: the schedule's own write-back
-- (planned times, technician, bay, pending <-> scheduled) records nothing, nor does anything
-- before the first schedule run (loading a shop), which plans everything anyway.

alter table public.schedule_runs
  add column scope text not null default 'full' check (scope in ('partial', 'full')),
  add column changes jsonb not null default '[]' check (jsonb_typeof(changes) = 'array');  -- [{kind, reason}]

create table public.schedule_changes (
  id bigint generated always as identity primary key,
  scope text not null check (scope in ('partial', 'full')),
  kind text not null check (kind in ('task', 'calendar_event', 'work_order', 'move', 'request', 'nightly')),
  detail jsonb not null default '{}' check (jsonb_typeof(detail) = 'object'),
  task_ids uuid[] not null default '{}',
  technician_ids uuid[] not null default '{}',
  bay_ids uuid[] not null default '{}',
  work_order_ids uuid[] not null default '{}',
  created_at timestamptz not null default now(),
  schedule_run_id uuid references public.schedule_runs (id) on delete cascade  -- null: pending
);
create index schedule_changes_pending_idx on public.schedule_changes (id) where schedule_run_id is null;
create index schedule_changes_run_idx on public.schedule_changes (schedule_run_id);

create table public.schedule_run_moves (
  run_id uuid not null references public.schedule_runs (id) on delete cascade,
  task_id uuid not null references public.tasks (id) on delete cascade,
  from_technician_id uuid references public.technicians (id) on delete set null,
  from_bay_id uuid references public.bays (id) on delete set null,
  from_starts_at timestamptz,
  from_ends_at timestamptz,
  to_technician_id uuid references public.technicians (id) on delete set null,
  to_bay_id uuid references public.bays (id) on delete set null,
  to_starts_at timestamptz,
  to_ends_at timestamptz,
  reason text not null check (length(btrim(reason)) > 0),
  primary key (run_id, task_id),
  check ((from_starts_at is null) = (from_ends_at is null)),
  check ((to_starts_at is null) = (to_ends_at is null)),
  check (from_starts_at is not null or to_starts_at is not null)
);
create index schedule_run_moves_task_idx on public.schedule_run_moves (task_id);

-- Records, like schedule_runs: staff read, workers write, a technician reads the moves of their tasks.
revoke all on public.schedule_changes, public.schedule_run_moves from public, anon, authenticated, service_role;
grant select on public.schedule_changes, public.schedule_run_moves to authenticated;
grant select, insert, update, delete on public.schedule_changes, public.schedule_run_moves to service_role;
alter table public.schedule_changes enable row level security;
alter table public.schedule_run_moves enable row level security;
create policy staff_read on public.schedule_changes for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_read on public.schedule_run_moves for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy tech_read_own on public.schedule_run_moves for select to authenticated
  using ((select bayflow.app_role()) = 'tech'
         and (select bayflow.current_technician_id()) in (from_technician_id, to_technician_id));

-- The one pending reschedule pipeline run (a new one when none waits unclaimed) and the shop's
-- one pending schedule job (the queue's unique key, as tasks.actors.job_for enqueues it); the run.
create function bayflow.enqueue_reoptimization(p_triggered_by text) returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  v_run uuid;
begin
  select r.id into v_run from public.pipeline_runs r
   where r.kind = 'reschedule' and r.step = 'schedule' and r.status = 'queued'
   order by r.created_at limit 1
   for update skip locked;  -- one a schedule job is claiming now is taken: a new run waits for the next
  if v_run is null then
    v_run := bayflow.start_pipeline_run('reschedule', null, p_triggered_by, 'schedule');
  end if;
  perform bayflow.enqueue(
    jsonb_build_object('queue_name', 'pipeline', 'actor_name', 'schedule_shop', 'args', '[]'::jsonb,
                       'kwargs', '{}'::jsonb, 'options', '{}'::jsonb, 'message_id', gen_random_uuid(),
                       'message_timestamp', (extract(epoch from clock_timestamp()) * 1000)::bigint),
    p_unique_key => 'pipeline:schedule');
  return v_run;
end
$$;

-- A change from the API (a dispatcher's move, a request) or a worker (the nightly run), and the
-- re-optimization that answers it; returns the pipeline run to follow.
create function bayflow.request_reoptimization(p_scope text, p_kind text, p_detail jsonb, p_task_ids uuid[],
                                               p_technician_ids uuid[], p_bay_ids uuid[], p_work_order_ids uuid[],
                                               p_triggered_by text) returns uuid
language plpgsql security definer set search_path = '' as $$
begin
  if current_setting('role', true) = 'authenticated'
     and bayflow.app_role() is distinct from 'admin' and bayflow.app_role() is distinct from 'dispatcher' then
    raise exception 'only dispatchers and admins ask for a re-optimization' using errcode = '42501';
  end if;
  insert into public.schedule_changes (scope, kind, detail, task_ids, technician_ids, bay_ids, work_order_ids)
  values (p_scope, p_kind, coalesce(p_detail, '{}'), coalesce(p_task_ids, '{}'), coalesce(p_technician_ids, '{}'),
          coalesce(p_bay_ids, '{}'), coalesce(p_work_order_ids, '{}'));
  return bayflow.enqueue_reoptimization(p_triggered_by);
end
$$;

revoke all on function bayflow.enqueue_reoptimization(text),
  bayflow.request_reoptimization(text, text, jsonb, uuid[], uuid[], uuid[], uuid[], text) from public;
grant execute on function bayflow.request_reoptimization(text, text, jsonb, uuid[], uuid[], uuid[], uuid[], text)
  to authenticated, service_role;

-- A task's duration, status (not the schedule's pending <-> scheduled), actual times or parts.
create function bayflow.note_task_changes() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if not exists (select from public.schedule_runs) then
    return null;  -- nothing published to re-optimize: the first schedule run plans everything
  end if;
  insert into public.schedule_changes (scope, kind, detail, task_ids, technician_ids, bay_ids, work_order_ids)
  select 'partial', 'task',
         jsonb_build_object('task', n.id, 'name', n.name,
           'old', jsonb_build_object('duration', o.duration_minutes, 'status', o.status, 'actual_start', o.actual_start,
                                     'actual_end', o.actual_end, 'needs_parts', o.needs_parts,
                                     'parts_ready_at', o.parts_ready_at),
           'new', jsonb_build_object('duration', n.duration_minutes, 'status', n.status, 'actual_start', n.actual_start,
                                     'actual_end', n.actual_end, 'needs_parts', n.needs_parts,
                                     'parts_ready_at', n.parts_ready_at)),
         array[n.id], array_remove(array[n.assigned_technician_id], null), array_remove(array[n.bay_id], null),
         array[n.work_order_id]
    from new_rows n join old_rows o on o.id = n.id
   where (n.duration_minutes, n.actual_start, n.actual_end, n.needs_parts, n.parts_ready_at)
           is distinct from (o.duration_minutes, o.actual_start, o.actual_end, o.needs_parts, o.parts_ready_at)
      or (n.status is distinct from o.status
          and not (n.status in ('pending', 'scheduled') and o.status in ('pending', 'scheduled')));
  if found then
    perform bayflow.enqueue_reoptimization('task changed');
  end if;
  return null;
end
$$;

-- A shift, time off or bay downtime added, changed or removed.
create function bayflow.note_calendar_changes() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if not exists (select from public.schedule_runs) then
    return null;  -- nothing published to re-optimize: the first schedule run plans everything
  end if;
  if tg_op = 'INSERT' then
    insert into public.schedule_changes (scope, kind, detail, technician_ids, bay_ids)
    select 'partial', 'calendar_event',
           jsonb_build_object('op', 'added', 'kind', n.kind, 'technician', n.technician_id, 'bay', n.bay_id,
                              'starts_at', n.starts_at, 'ends_at', n.ends_at),
           array_remove(array[n.technician_id], null), array_remove(array[n.bay_id], null)
      from new_rows n;
  elsif tg_op = 'DELETE' then
    insert into public.schedule_changes (scope, kind, detail, technician_ids, bay_ids)
    select 'partial', 'calendar_event',
           jsonb_build_object('op', 'removed', 'kind', o.kind, 'technician', o.technician_id, 'bay', o.bay_id,
                              'starts_at', o.starts_at, 'ends_at', o.ends_at),
           array_remove(array[o.technician_id], null), array_remove(array[o.bay_id], null)
      from old_rows o;
  else
    insert into public.schedule_changes (scope, kind, detail, technician_ids, bay_ids)
    select 'partial', 'calendar_event',
           jsonb_build_object('op', 'changed', 'kind', n.kind, 'technician', n.technician_id, 'bay', n.bay_id,
                              'starts_at', n.starts_at, 'ends_at', n.ends_at),
           array_remove(array[n.technician_id, o.technician_id], null), array_remove(array[n.bay_id, o.bay_id], null)
      from new_rows n join old_rows o on o.id = n.id
     where (n.kind, n.technician_id, n.bay_id, n.starts_at, n.ends_at, n.recurrence, n.recurrence_until)
             is distinct from (o.kind, o.technician_id, o.bay_id, o.starts_at, o.ends_at, o.recurrence, o.recurrence_until);
  end if;
  if found then
    perform bayflow.enqueue_reoptimization('calendar changed');
  end if;
  return null;
end
$$;

-- A work order's priority or due date.
create function bayflow.note_work_order_changes() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if not exists (select from public.schedule_runs) then
    return null;  -- nothing published to re-optimize: the first schedule run plans everything
  end if;
  insert into public.schedule_changes (scope, kind, detail, work_order_ids)
  select 'partial', 'work_order',
         jsonb_build_object('number', n.number, 'old', jsonb_build_object('priority', o.priority, 'due_at', o.due_at),
                            'new', jsonb_build_object('priority', n.priority, 'due_at', n.due_at)),
         array[n.id]
    from new_rows n join old_rows o on o.id = n.id
   where (n.priority, n.due_at) is distinct from (o.priority, o.due_at)
     and n.status not in ('done', 'cancelled');
  if found then
    perform bayflow.enqueue_reoptimization('work order changed');
  end if;
  return null;
end
$$;

revoke all on function bayflow.note_task_changes(), bayflow.note_calendar_changes(),
  bayflow.note_work_order_changes() from public;

create trigger reoptimize_on_change after update on public.tasks
  referencing old table as old_rows new table as new_rows
  for each statement execute function bayflow.note_task_changes();
create trigger reoptimize_on_insert after insert on public.calendar_events
  referencing new table as new_rows
  for each statement execute function bayflow.note_calendar_changes();
create trigger reoptimize_on_change after update on public.calendar_events
  referencing old table as old_rows new table as new_rows
  for each statement execute function bayflow.note_calendar_changes();
create trigger reoptimize_on_delete after delete on public.calendar_events
  referencing old table as old_rows
  for each statement execute function bayflow.note_calendar_changes();
create trigger reoptimize_on_change after update on public.work_orders
  referencing old table as old_rows new table as new_rows
  for each statement execute function bayflow.note_work_order_changes();

-- The notify step tells each technician once per run about their tasks that moved (pipelines/steps/notify.py).
alter table public.events drop constraint events_type_check;
alter table public.events add constraint events_type_check check (type in (
  'work_order.planned', 'work_order.needs_review', 'work_order.at_risk', 'schedule.published', 'schedule.at_risk',
  'task.assigned', 'task.moved', 'technician.schedule_changed', 'pipeline.failed'));
