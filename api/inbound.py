"""Inbound webhook events: what other systems may tell bayflow, applied as the sending source.

The request's transaction acts as role `bayflow_webhook` with `bayflow.webhook_source`
set (migration 0800): it reads only that source's secret and changes only the work
orders whose `source` is that source, audited as `webhook:<source>`. Events:
- `work_order.upsert`: a new or updated work order (the CSV columns as JSON, `tasks` a
  list of objects) keyed by its `external_id`; a change starts the work-order pipeline.
- `parts.eta_changed` (`parts_ready_at` required) and `parts.arrived` (`arrived_at`,
  default now): the task (`task_id`, or `work_order_external_id` + `task_name`) waits
  on parts until then; a change triggers a reschedule through the queue.
"""
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from bayflow.queries import load
from pipelines.work_order_records import DateRules, parse_datetime, record_from_json

QUERIES = load(Path(__file__).with_name("sql") / "inbound.sql")
EVENT_TYPES = ("work_order.upsert", "parts.eta_changed", "parts.arrived")


class FlowStarts(Protocol):
    """How an applied event starts pipelines in the request's transaction (tasks.starts.AsyncFlowStarts)."""

    async def work_order(self, conn, work_order_id: str, *, triggered_by: str) -> str: ...

    async def reschedule(self, conn, *, reason: str) -> str: ...


@dataclass
class EventError(Exception):
    """The event cannot be applied: answered with `status` and the fields named."""
    status: int
    title: str
    detail: str
    errors: list[dict] = field(default_factory=list)


def actor(source: str) -> str:
    return f"webhook:{source}"


async def begin_as_source(conn, source: str, request_id: str) -> None:
    await conn.execute(QUERIES.begin_as_source.text,
                       {"source": source, "actor": actor(source), "request_id": request_id})


async def secret_of(conn, source: str) -> str | None:
    """The active source's secret (None: no such active source)."""
    return (await conn.execute(QUERIES.source_secret.text, {"source": source})).scalar()


def parse_envelope(body: bytes) -> tuple[str, str, dict]:
    """(event id, type, data) of a body `{"id", "type", "data"}`."""
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventError(422, "Invalid JSON", f"the body is not JSON: {exc}") from None
    if not isinstance(event, dict):
        raise EventError(422, "Invalid event", "the body must be an object {id, type, data}")
    errors = []
    event_id, event_type, data = event.get("id"), event.get("type"), event.get("data")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 200:
        errors.append({"field": "id", "message": "required: a string of 1 to 200 characters, unique per event"})
    if event_type not in EVENT_TYPES:
        errors.append({"field": "type", "message": f"must be one of {', '.join(EVENT_TYPES)}"})
    if not isinstance(data, dict):
        errors.append({"field": "data", "message": "required: an object"})
    if errors:
        raise EventError(422, "Invalid event", "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors)
    return event_id, event_type, data


async def accept(conn, source: str, event_id: str, event_type: str) -> bool:
    """Record the event id; False when it was seen before (a replay)."""
    seen = await conn.execute(QUERIES.accept_event.text, {"source": source, "id": event_id, "type": event_type})
    return seen.first() is not None


async def apply(conn, source: str, event_id: str, event_type: str, data: dict, starts: FlowStarts) -> dict:
    """Apply the event in the caller's transaction, starting pipelines through `starts`, and
    record its result."""
    rules = DateRules(*(await conn.execute(QUERIES.shop_date_rules.text)).one())
    if event_type == "work_order.upsert":
        result = await _upsert_work_order(conn, source, data, rules, starts)
    else:
        result = await _parts(conn, source, event_type, data, rules, starts)
    await conn.execute(QUERIES.record_result.text, {"result": json.dumps(result), "source": source, "id": event_id})
    return result


async def _upsert_work_order(conn, source: str, data: dict, rules: DateRules, starts: FlowStarts) -> dict:
    record, errors = record_from_json(data, rules, source=source)
    if errors:
        fields = [{"field": f"data.{e.column}", "message": e.message} for e in errors]
        raise EventError(422, "Invalid work order", "; ".join(f"{f['field']}: {f['message']}" for f in fields), fields)
    upserted = await conn.execute(QUERIES.upsert_work_order.text, {"doc": json.dumps(record.as_json())})
    work_order_id, outcome = upserted.one()
    run_id = None
    if outcome != "unchanged":
        run_id = await starts.work_order(conn, work_order_id, triggered_by=actor(source))
    return {"work_order_id": work_order_id, "outcome": outcome, "pipeline_run_id": run_id}


async def _parts(conn, source: str, event_type: str, data: dict, rules: DateRules, starts: FlowStarts) -> dict:
    field_name = "parts_ready_at" if event_type == "parts.eta_changed" else "arrived_at"
    ready = _moment(data, field_name, rules, required=event_type == "parts.eta_changed")
    if data.get("task_id"):
        rows = (await conn.execute(QUERIES.task_by_id.text, {"task_id": _uuid(data["task_id"])})).all()
        target = f"task {data['task_id']}"
    elif data.get("work_order_external_id") and data.get("task_name"):
        rows = (await conn.execute(QUERIES.tasks_by_name.text, {
            "source": source, "name": str(data["task_name"]),
            "external_id": str(data["work_order_external_id"])})).all()
        target = f"task {data['task_name']!r} of work order {data['work_order_external_id']!r}"
    else:
        raise EventError(422, "Invalid event", "name the task: task_id, or work_order_external_id and task_name",
                         [{"field": "data.task_id", "message": "required (or work_order_external_id and task_name)"}])
    if not rows:
        raise EventError(404, "Unknown task", f"no {target} from source {source!r}")
    changed = [task_id for task_id, needs_parts, current in rows if not needs_parts or current != ready]
    run_id = None
    if changed:
        await conn.execute(QUERIES.wait_for_parts.text, {"ready": ready, "ids": changed})
        run_id = await starts.reschedule(conn, reason=actor(source))
    return {"task_ids": [r[0] for r in rows], "changed": len(changed), "parts_ready_at": ready.isoformat(),
            "reschedule_run_id": run_id}


def _moment(data: dict, name: str, rules: DateRules, *, required: bool) -> datetime:
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise EventError(422, "Invalid event", f"data.{name} is required",
                             [{"field": f"data.{name}", "message": "required"}])
        return datetime.now(timezone.utc)
    try:
        return parse_datetime(str(value), rules)
    except ValueError as exc:
        raise EventError(422, "Invalid event", str(exc), [{"field": f"data.{name}", "message": str(exc)}]) from None


def _uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise EventError(422, "Invalid event", f"task_id is not a UUID: {value!r}",
                         [{"field": "data.task_id", "message": "not a UUID"}]) from None
