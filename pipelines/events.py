"""Events and notifications: what happened (`events`, announced on NOTIFY channel
`bayflow.events.CHANNEL` by a trigger) and whose inbox it lands in (`notifications`).

Staff (dispatchers, admins) may see every event; `audience` names the other profiles
who may (a technician: events about their tasks). `recipients` get a notification.
"""
import json
from dataclasses import dataclass
from pathlib import Path

from bayflow.queries import load
from pipelines.webhooks import write_deliveries

QUERIES = load(Path(__file__).with_name("sql") / "events.sql")


@dataclass(frozen=True)
class Event:
    type: str
    payload: dict
    work_order_id: str | None = None
    task_id: str | None = None
    schedule_run_id: str | None = None
    audience: tuple[str, ...] = ()     # profiles besides staff who may see it
    recipients: tuple[str, ...] = ()   # profiles who get a notification


@dataclass(frozen=True)
class Published:
    event_ids: list[int]
    deliveries: tuple[str, ...]  # webhook deliveries written: the caller enqueues their jobs


def publish(conn, events: list[Event]) -> Published:
    """Insert the events, their notifications and their outbound webhook deliveries in the
    caller's transaction (NOTIFY fires at commit); the caller enqueues the deliveries' jobs."""
    ids, deliveries = [], []
    for e in events:
        event_id = conn.execute(QUERIES.insert_event.psycopg, {
            "type": e.type, "work_order_id": e.work_order_id, "task_id": e.task_id,
            "schedule_run_id": e.schedule_run_id, "audience": list(e.audience),
            "payload": json.dumps(e.payload)}).fetchone()[0]
        if e.recipients:
            conn.execute(QUERIES.insert_notifications.psycopg,
                         {"event_id": event_id, "recipients": sorted(set(e.recipients))})
        data = {"work_order_id": e.work_order_id, "task_id": e.task_id, "schedule_run_id": e.schedule_run_id,
                **e.payload}
        deliveries.extend(write_deliveries(conn, e.type, data, event_id=event_id))
        ids.append(event_id)
    return Published(ids, tuple(deliveries))


def dispatchers(conn) -> tuple[str, ...]:
    return tuple(r[0] for r in conn.execute(QUERIES.dispatchers.psycopg).fetchall())
