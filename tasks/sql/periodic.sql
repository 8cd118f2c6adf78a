-- Cron schedules (tasks/periodic.py).

-- name: sync_schedule
-- A changed cron or timezone restarts the schedule from its next tick; otherwise the tick stays.
insert into public.periodic_schedules (name, cron, timezone, actor, queue, args, kwargs, next_run_at)
values (:name, :cron, :timezone, :actor, :queue, :args::jsonb, :kwargs::jsonb, :next_run_at)
on conflict (name) do update
   set actor = excluded.actor, queue = excluded.queue, args = excluded.args, kwargs = excluded.kwargs,
       cron = excluded.cron, timezone = excluded.timezone, updated_at = now(),
       next_run_at = case when (periodic_schedules.cron, periodic_schedules.timezone)
                               = (excluded.cron, excluded.timezone)
                          then periodic_schedules.next_run_at else excluded.next_run_at end

-- name: due_schedules
select name, cron, timezone, actor, queue, args, kwargs, next_run_at, now()
  from public.periodic_schedules
 where next_run_at <= now()
   for update skip locked

-- name: advance_schedule
update public.periodic_schedules set next_run_at = :next_run_at, last_run_at = :last_run_at, updated_at = now()
 where name = :name
