-- A work order's status follows its tasks, derived here and nowhere else.
-- Pipeline states (new, planning, needs_review) and cancelled stay as their owners set them;
-- a 'new' work order leaves 'new' once a schedule run or a technician has touched a task of it.
-- From planned on: all tasks done -> done; any started -> in_progress; any open task the last
-- schedule run could not place -> at_risk; every open task placed -> scheduled; else planned.

alter table public.work_orders drop constraint work_orders_status_check;
alter table public.work_orders add constraint work_orders_status_check check (status in
  ('new', 'planning', 'needs_review', 'planned', 'scheduled', 'at_risk', 'in_progress', 'done', 'cancelled'));

-- Why the last schedule run could not place the task (null: placed, or not scheduled yet).
alter table public.tasks add column unplaced_reason text;

create function bayflow.derived_work_order_status(work_order uuid, current_status text) returns text
language sql stable security definer set search_path = '' as $$
  with counts as (
    select count(*) filter (where t.status <> 'cancelled') as live,
           count(*) filter (where t.status = 'done') as done,
           -- paused and blocked (the technician's state machine) are work that has started
           count(*) filter (where t.status in ('in_progress', 'paused', 'blocked')) as started,
           count(*) filter (where t.status in ('pending', 'scheduled') and t.unplaced_reason is not null) as unplaced,
           count(*) filter (where t.status = 'scheduled' and t.unplaced_reason is null) as placed,
           count(*) filter (where t.status <> 'pending' and t.status <> 'cancelled'
                              or t.unplaced_reason is not null) as touched
      from public.tasks t
     where t.work_order_id = work_order
  )
  select case
    when current_status in ('planning', 'needs_review', 'cancelled') then current_status
    when current_status = 'new' and c.touched = 0 then current_status
    when c.live = 0 then current_status
    when c.done = c.live then 'done'
    when c.started > 0 or c.done > 0 then 'in_progress'
    when c.unplaced > 0 then 'at_risk'
    when c.placed = c.live then 'scheduled'
    else 'planned'
  end
  from counts c
$$;

-- Statement-level, so a schedule run that writes a thousand tasks recomputes each work order once.
create function bayflow.follow_task_changes() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'DELETE' then
    update public.work_orders w
       set status = bayflow.derived_work_order_status(w.id, w.status)
     where w.id in (select distinct o.work_order_id from old_tasks o)
       and w.status is distinct from bayflow.derived_work_order_status(w.id, w.status);
  elsif tg_op = 'INSERT' then
    update public.work_orders w
       set status = bayflow.derived_work_order_status(w.id, w.status)
     where w.id in (select distinct n.work_order_id from new_tasks n)
       and w.status is distinct from bayflow.derived_work_order_status(w.id, w.status);
  else
    update public.work_orders w
       set status = bayflow.derived_work_order_status(w.id, w.status)
     where w.id in (select n.work_order_id from new_tasks n union select o.work_order_id from old_tasks o)
       and w.status is distinct from bayflow.derived_work_order_status(w.id, w.status);
  end if;
  return null;
end
$$;

create trigger work_order_status_after_insert after insert on public.tasks
  referencing new table as new_tasks for each statement execute function bayflow.follow_task_changes();
create trigger work_order_status_after_update after update on public.tasks
  referencing old table as old_tasks new table as new_tasks
  for each statement execute function bayflow.follow_task_changes();
create trigger work_order_status_after_delete after delete on public.tasks
  referencing old table as old_tasks for each statement execute function bayflow.follow_task_changes();

-- Work orders already in the database get their derived status once.
update public.work_orders w
   set status = bayflow.derived_work_order_status(w.id, w.status)
 where w.status is distinct from bayflow.derived_work_order_status(w.id, w.status);
revoke all on function bayflow.derived_work_order_status(uuid, text), bayflow.follow_task_changes() from public;

-- What each schedule run placed and left out, so a partial schedule is visible in ops.
alter table public.schedule_runs
  add column placed_tasks integer not null default 0 check (placed_tasks >= 0),
  add column unplaced_tasks integer not null default 0 check (unplaced_tasks >= 0),
  add column unplaced_minutes integer not null default 0 check (unplaced_minutes >= 0);

-- The last schedule run's counts and the work orders at risk now (aggregates only, as queue_stats).
create function bayflow.schedule_stats()
returns table (last_run_id uuid, last_run_at timestamptz, placed_tasks integer, unplaced_tasks integer,
               unplaced_minutes integer, at_risk_work_orders bigint)
language sql stable security definer set search_path = '' as $$
  select r.id, r.created_at, coalesce(r.placed_tasks, 0), coalesce(r.unplaced_tasks, 0),
         coalesce(r.unplaced_minutes, 0),
         (select count(*) from public.work_orders w where w.status = 'at_risk')
    from (select 1) one
    left join lateral (select * from public.schedule_runs order by created_at desc limit 1) r on true
$$;
revoke all on function bayflow.schedule_stats() from public;
grant execute on function bayflow.schedule_stats() to authenticated, service_role;

-- The notify step announces work orders at risk: one event each, and one per schedule run listing them all.
alter table public.events drop constraint events_type_check;
alter table public.events add constraint events_type_check check (type in (
  'work_order.planned', 'work_order.needs_review', 'work_order.at_risk', 'schedule.published', 'schedule.at_risk',
  'task.assigned', 'task.moved', 'pipeline.failed'));
