"""Asking for a re-optimization from a request: the change is recorded in `schedule_changes` and one
coalesced reschedule run (and the shop's one schedule job, the queue's unique key) answers it with
every other pending change, all in the request's transaction (`bayflow.request_reoptimization`, the
function the database triggers on tasks, calendar events and work orders share)."""
import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from bayflow.queries import load

SQL = load(Path(__file__).with_name("sql") / "schedule_runs.sql")


async def request_reoptimization(conn: AsyncConnection, *, scope: str, kind: str, triggered_by: str,
                                 detail: dict | None = None, tasks=(), technicians=(), bays=(),
                                 work_orders=()) -> str:
    """Record the change and return the pipeline run to follow (an unclaimed one already waiting, if any)."""
    return (await conn.execute(SQL.request_reoptimization.text, {
        "scope": scope, "kind": kind, "detail": json.dumps(detail or {}),
        "task_ids": [str(t) for t in tasks], "technician_ids": [str(t) for t in technicians],
        "bay_ids": [str(b) for b in bays], "work_order_ids": [str(w) for w in work_orders],
        "triggered_by": triggered_by})).scalar_one()
