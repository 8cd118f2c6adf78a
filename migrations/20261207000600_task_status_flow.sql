-- A task's life on the shop floor (the technician app, issue #19): statuses `paused` and
-- `blocked`, the actual start and end of the work (database time), the reason a task is
-- blocked, and instructions from the plan.
--
-- The technician's state machine is enforced here, for every path (API, psql, workers):
--   pending | scheduled -> in_progress
--   in_progress -> paused | done | blocked
--   paused      -> in_progress | blocked
--   blocked     -> in_progress
-- and never back from `done` (nor out of `cancelled`). A technician's change of any other
-- field is refused naming all of them, comma-separated, as the error's COLUMN (issue #20;
-- api/db_errors.py lists them in the problem's `errors`). Dispatchers and workers may set any
-- status. For everyone: `blocked` needs a reason (cleared when the task leaves `blocked`),
-- the first `in_progress` records actual_start, `done` records actual_end (and leaving
-- `done` clears it).
--
-- Refusals carry their own SQLSTATEs so the API answers with the field and the rule
-- (api/task_rules.py): BF409 a transition the current status does not allow (409),
-- BF422 a missing value the new status needs (422); COLUMN names the field.

alter table public.tasks drop constraint tasks_status_check;
alter table public.tasks add constraint tasks_status_check check (status in
  ('pending', 'scheduled', 'in_progress', 'paused', 'blocked', 'done', 'cancelled'));

alter table public.tasks
  add column actual_start timestamptz,
  add column actual_end timestamptz,
  add column blocked_reason text check (length(blocked_reason) <= 2000),
  add column instructions text;

create or replace function bayflow.limit_tech_task_update() returns trigger
language plpgsql set search_path = '' as $$
declare
  changed text[];
  allowed text[];
begin
  if bayflow.app_role() is not distinct from 'tech' then
    select array_agg(n.key order by n.key) into changed
      from jsonb_each(to_jsonb(new)) n
     where n.key not in ('status', 'notes', 'blocked_reason', 'version', 'updated_at')
       and n.value is distinct from to_jsonb(old) -> n.key;
    if changed is not null then
      raise exception 'technicians may change only status, notes and blocked_reason of their tasks, not %',
        array_to_string(changed, ', ')
        using errcode = 'insufficient_privilege', column = array_to_string(changed, ','),
              hint = 'ask a dispatcher to change the other fields';
    end if;
    if new.status is distinct from old.status then
      allowed := case old.status
        when 'pending' then array['in_progress']
        when 'scheduled' then array['in_progress']
        when 'in_progress' then array['paused', 'done', 'blocked']
        when 'paused' then array['in_progress', 'blocked']
        when 'blocked' then array['in_progress']
        else array[]::text[] end;
      if old.status = 'done' then
        raise exception 'a technician cannot move a done task back to %', new.status
          using errcode = 'BF409', column = 'status';
      elsif old.status = 'cancelled' then
        raise exception 'a technician cannot change a cancelled task'
          using errcode = 'BF409', column = 'status';
      elsif not new.status = any (allowed) then
        raise exception 'a technician cannot move a task from % to % (from % only to %)',
          old.status, new.status, old.status, array_to_string(allowed, ' or ')
          using errcode = 'BF409', column = 'status';
      end if;
    end if;
  end if;

  if new.status = 'blocked' then
    if new.blocked_reason is null or btrim(new.blocked_reason) = '' then
      raise exception 'a blocked task needs a reason'
        using errcode = 'BF422', column = 'blocked_reason';
    end if;
  else
    new.blocked_reason := null;
  end if;
  if new.status = 'in_progress' and old.status is distinct from 'in_progress' and new.actual_start is null then
    new.actual_start := now();
  end if;
  if new.status = 'done' and old.status is distinct from 'done' then
    new.actual_end := now();
  elsif new.status <> 'done' and old.status = 'done' then
    new.actual_end := null;
  end if;
  return new;
end
$$;

-- Only this migration's own objects below: the "last look" of each person at their task
-- list (GET /v1/me/tasks reports what changed since), and what changed on a technician's
-- tasks, read from the audit log (which technicians cannot read directly).
create table public.task_list_views (
  profile_id uuid primary key references public.profiles (id) on delete cascade,
  seen_at timestamptz not null
);
alter table public.task_list_views enable row level security;
revoke all on public.task_list_views from public, anon, authenticated, service_role;
grant select, insert, update on public.task_list_views to authenticated;
grant all on public.task_list_views to service_role;
create policy own_row on public.task_list_views for all to authenticated
  using (profile_id = (select auth.uid()))
  with check (profile_id = (select auth.uid()));

-- What moved onto the calling technician's tasks `p_task_ids` since `p_since`: one row per
-- task whose technician or planned start differs from what it was at `p_since` (or that
-- was created since). kind: `new` (created, or had no technician), `reassigned` (from
-- another technician), `moved` (same technician, another start). from_*: the state at
-- p_since; at: the latest such change.
create function bayflow.my_task_changes(p_since timestamptz, p_task_ids uuid[])
returns table (task_id uuid, kind text, from_starts_at timestamptz, from_technician text, changed_at timestamptz)
language sql stable security definer set search_path = '' as $$
  with me as (
    select bayflow.current_technician_id() as tech
  ), mine as (
    select t.id, t.planned_start from public.tasks t, me
     where t.id = any (p_task_ids) and t.assigned_technician_id = me.tech
  ), entries as (
    select m.id as task_id, m.planned_start as starts_now, a.id, a.occurred_at, a.action, a.old_row
      from mine m join public.audit_log a on a.row_id = m.id::text
     where a.table_name = 'tasks' and a.occurred_at > p_since
       and (a.action = 'insert' or a.changed_keys && array['assigned_technician_id', 'planned_start'])
  ), firsts as (
    select distinct on (task_id) task_id, starts_now, action, old_row from entries order by task_id, id
  ), lasts as (
    select task_id, max(occurred_at) as changed_at from entries group by task_id
  ), described as (
    select f.task_id,
           case when f.action = 'insert' or f.old_row ->> 'assigned_technician_id' is null then 'new'
                when (f.old_row ->> 'assigned_technician_id')::uuid is distinct from me.tech then 'reassigned'
                else 'moved' end as kind,
           (f.old_row ->> 'planned_start')::timestamptz as from_starts_at,
           (select tt.name from public.technicians tt
             where tt.id = (f.old_row ->> 'assigned_technician_id')::uuid) as from_technician,
           f.starts_now, l.changed_at
      from firsts f join lasts l using (task_id) cross join me
  )
  select task_id, kind, from_starts_at, from_technician, changed_at from described
   where kind <> 'moved' or from_starts_at is distinct from starts_now
$$;

-- For the tasks `p_task_ids` the caller may see (a technician: their own): the other tasks
-- of the work order, the unfinished tasks it waits for, and the latest schedule's reasons.
-- Security definer: a technician reads these rows only through this summary.
create function bayflow.task_context(p_task_ids uuid[])
returns table (task_id uuid, other_tasks jsonb, waits_on_tasks jsonb, why jsonb)
language sql stable security definer set search_path = '' as $$
  select t.id,
         coalesce((select jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name, 'status', o.status)
                                    order by o.position, o.created_at, o.id)
                     from public.tasks o where o.work_order_id = t.work_order_id and o.id <> t.id), '[]'),
         coalesce((select jsonb_agg(jsonb_build_object('id', d.id, 'name', d.name, 'status', d.status,
                                                       'planned_end', d.planned_end)
                                    order by d.position, d.created_at, d.id)
                     from public.task_dependencies td join public.tasks d on d.id = td.depends_on_task_id
                    where td.task_id = t.id and d.status not in ('done', 'cancelled')), '[]'),
         coalesce((select i.why from public.schedule_items i join public.schedule_runs r on r.id = i.run_id
                    where i.task_id = t.id order by r.created_at desc limit 1), '[]')
    from public.tasks t
   where t.id = any (p_task_ids)
     and (t.assigned_technician_id = bayflow.current_technician_id()
          or bayflow.app_role() in ('admin', 'dispatcher'))
$$;

revoke all on function bayflow.my_task_changes(timestamptz, uuid[]), bayflow.task_context(uuid[]) from public;
grant execute on function bayflow.my_task_changes(timestamptz, uuid[]), bayflow.task_context(uuid[])
  to authenticated, service_role;
