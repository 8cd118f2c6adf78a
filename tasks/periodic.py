"""Cron schedules for actors, fired once per tick however many worker processes run.

    @periodic("0 2 * * *", timezone="Europe/Paris")
    @dramatiq.actor
    def reoptimize(): ...

Worker processes upsert the schedules they import into `periodic_schedules`; each
second one of them claims the due rows (SKIP LOCKED), enqueues their messages and
advances `next_run_at` in the same transaction. Missed ticks (no worker running)
fire once. The job's unique key is `periodic:<name>`, so a tick whose previous job
has not started yet coalesces with it.
"""
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone as utc_zone
from zoneinfo import ZoneInfo

from croniter import croniter
from dramatiq import Message

from tasks.enqueue import JobRow, insert_rows


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    timezone: str
    actor_name: str
    queue_name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


schedules: dict[str, Schedule] = {}


def periodic(cron: str, *, name: str | None = None, timezone: str = "UTC", args=(), kwargs=None):
    """Decorate a dramatiq actor to run it on a 5-field cron schedule in `timezone`."""
    if not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression {cron!r}")
    ZoneInfo(timezone)  # raises for an unknown zone

    def register(actor):
        schedule = Schedule(name or actor.actor_name, cron, timezone, actor.actor_name, actor.queue_name,
                            tuple(args), dict(kwargs or {}))
        schedules[schedule.name] = schedule
        return actor

    return register


def next_tick(cron: str, timezone: str, after: datetime) -> datetime:
    """The first tick of `cron` in `timezone` strictly after `after`, in UTC."""
    local = after.astimezone(ZoneInfo(timezone))
    return croniter(cron, local).get_next(datetime).astimezone(utc_zone.utc)


SYNC = """
insert into public.periodic_schedules (name, cron, timezone, actor, queue, args, kwargs, next_run_at)
values (%s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s)
on conflict (name) do update
   set actor = excluded.actor, queue = excluded.queue, args = excluded.args, kwargs = excluded.kwargs,
       cron = excluded.cron, timezone = excluded.timezone, updated_at = now(),
       next_run_at = case when (periodic_schedules.cron, periodic_schedules.timezone)
                               = (excluded.cron, excluded.timezone)
                          then periodic_schedules.next_run_at else excluded.next_run_at end
"""

DUE = """
select name, cron, timezone, actor, queue, args, kwargs, next_run_at, now()
  from public.periodic_schedules
 where next_run_at <= now()
   for update skip locked
"""

ADVANCE = "update public.periodic_schedules set next_run_at = %s, last_run_at = %s, updated_at = now() where name = %s"

_synced: set[str] = set()


def sync(conn) -> None:
    """Upsert the schedules registered in this process (once per process and schedule)."""
    now = datetime.now(utc_zone.utc)
    for s in schedules.values():
        if s.name not in _synced:
            conn.execute(SYNC, (s.name, s.cron, s.timezone, s.actor_name, s.queue_name, json.dumps(list(s.args)),
                                json.dumps(s.kwargs), next_tick(s.cron, s.timezone, now)))
            _synced.add(s.name)


def fire_due(conn) -> int:
    """Enqueue one job per due schedule and advance it; return how many fired."""
    sync(conn)
    rows = conn.execute(DUE).fetchall()
    for name, cron, tz, actor, queue, args, kwargs, tick, now in rows:
        message = Message(queue_name=queue, actor_name=actor, args=tuple(args), kwargs=kwargs,
                          options={"unique_key": f"periodic:{name}", "pipeline_id": f"periodic:{name}:{tick.isoformat()}"})
        insert_rows(conn, [JobRow.of(message)])
        conn.execute(ADVANCE, (next_tick(cron, tz, now), tick, name))
    return len(rows)
