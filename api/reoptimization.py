"""Asking for a re-optimization from a request: the change is recorded in `schedule_changes` and one
coalesced reschedule run (and the shop's one schedule job, the queue's unique key) answers it with
every other pending change, all in the request's transaction (`bayflow.request_reoptimization`, the
function the database triggers on tasks, calendar events and work orders share)."""
import json

from sqlalchemy.ext.asyncio import AsyncConnection

from api.queries import load

SQL = load("schedule_runs")


async def request_reoptimization(conn: AsyncConnection, *, scope: str, kind: str, triggered_by: str,
                                 detail: dict | None = None, tasks=(), technicians=(), bays=(),
                                 work_orders=()) -> str:
    """Record the change and return the pipeline run to follow (an unclaimed one already waiting, if any)."""
    return (await conn.execute(SQL.request_reoptimization.text, {
        "scope": scope, "kind": kind, "detail": json.dumps(detail or {}),
        "task_ids": [str(t) for t in tasks], "technician_ids": [str(t) for t in technicians],
        "bay_ids": [str(b) for b in bays], "work_order_ids": [str(w) for w in work_orders],
        "triggered_by": triggered_by})).scalar_one()


async def request_after_move(conn: AsyncConnection, who: str, before, moved) -> str:
    """A dispatcher's move of a task (`before` -> `moved`, both Task rows) as the change a partial
    re-optimization answers around both placements; the same for `/v1/schedule/moves` and a staff PATCH."""
    return await request_reoptimization(
        conn, scope="partial", kind="move", triggered_by=f"move of '{before.name}' by {who}",
        tasks=[before.id], work_orders=[before.work_order_id],
        technicians={t for t in (before.assigned_technician_id, moved.assigned_technician_id) if t},
        bays={b for b in (before.bay_id, moved.bay_id) if b})
