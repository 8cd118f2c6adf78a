"""Cron schedules for actors, fired once per tick however many worker processes run.

    @periodic("0 2 * * *", timezone="Europe/Paris")
    @dramatiq.actor
    def reoptimize(): ...

`timezone` is a zone name, or a callable given the scheduler's connection that returns
one (a zone kept in the database): it is called when a worker process first syncs the
schedule, so declaring a schedule does no I/O at import.

Worker processes upsert the schedules they import into `periodic_schedules`; each
second one of them claims the due rows (SKIP LOCKED), enqueues their messages and
advances `next_run_at` in the same transaction. Missed ticks (no worker running)
fire once. The job's unique key is `periodic:<name>`, so a tick whose previous job
has not started yet coalesces with it.
"""
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone as utc_zone
from pathlib import Path
from zoneinfo import ZoneInfo

from croniter import croniter
from dramatiq import Message
from psycopg import Connection

from bayflow.queries import load
from tasks.enqueue import JobRow, insert_rows

queries = load(Path(__file__).with_name("sql") / "periodic.sql")


Timezone = str | Callable[[Connection], str]  # a zone name, or read with the scheduler's connection


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    timezone: Timezone
    actor_name: str
    queue_name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


schedules: dict[str, Schedule] = {}


def periodic(cron: str, *, name: str | None = None, timezone: Timezone = "UTC", args=(), kwargs=None):
    """Decorate a dramatiq actor to run it on a 5-field cron schedule in `timezone`."""
    if not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression {cron!r}")
    if not callable(timezone):
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


_synced: set[str] = set()


def sync(conn) -> None:
    """Upsert the schedules registered in this process (once per process and schedule)."""
    now = datetime.now(utc_zone.utc)
    for s in schedules.values():
        if s.name not in _synced:
            zone = s.timezone(conn) if callable(s.timezone) else s.timezone
            conn.execute(queries.sync_schedule.psycopg, {
                "name": s.name, "cron": s.cron, "timezone": zone, "actor": s.actor_name, "queue": s.queue_name,
                "args": json.dumps(list(s.args)), "kwargs": json.dumps(s.kwargs),
                "next_run_at": next_tick(s.cron, zone, now)})
            _synced.add(s.name)


def fire_due(conn) -> int:
    """Enqueue one job per due schedule and advance it; return how many fired."""
    sync(conn)
    rows = conn.execute(queries.due_schedules.psycopg).fetchall()
    for name, cron, tz, actor, queue, args, kwargs, tick, now in rows:
        message = Message(queue_name=queue, actor_name=actor, args=tuple(args), kwargs=kwargs,
                          options={"unique_key": f"periodic:{name}",
                                   "pipeline_id": f"periodic:{name}:{tick.isoformat()}"})
        insert_rows(conn, [JobRow.of(message)])
        conn.execute(queries.advance_schedule.psycopg,
                     {"next_run_at": next_tick(cron, tz, now), "last_run_at": tick, "name": name})
    return len(rows)
