"""Writing a dispatcher's move of a task: the placement with its locks, and the `task.moved` event
(other boards hear of it through GET /v1/events; the technicians of both placements get it in
their inbox). Shared by POST /v1/schedule/moves and staff PATCHes of a task's placement, which
are judged by the same what-if first (`api.move_check`) and serialised with each other: a move
is judged on a snapshot read outside its own transaction, so the next one waits for it.
"""
import json
from datetime import datetime
from typing import NoReturn
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from api.concurrency import etag
from api.deps import Principal
from api.problems import ProblemError
from api.queries import load
from api.schemas.schedule import Placement, WhatIfResult
from api.schemas.tasks import Task
from tasks.enqueue import enqueue_async
from tasks.integration_starts import delivery_message

SQL = load("task_moves")


async def serialise_moves(conn: AsyncConnection) -> None:
    """Wait for any other move in flight; held until this transaction ends."""
    await conn.execute(SQL.serialise_moves.text)


def refuse(result: WhatIfResult) -> ProblemError:
    """409 naming each violation (`field`, `message`, `kind`)."""
    return ProblemError(409, "Move not feasible", "; ".join(v.message for v in result.violations),
                        [{"field": v.field, "message": v.message, "kind": v.kind} for v in result.violations])


async def write_placement(conn: AsyncConnection, task: Task, to: Placement, lock: list[str]) -> None:
    """Put `task` (as read, at its version) at `to` with exactly the `lock` flags set; 422 for a bay
    lock without a bay, 409 when the task changed meanwhile."""
    if "bay" in lock and to.bay_id is None:
        raise ProblemError(422, "Invalid move", f"'{task.name}' has no bay to lock",
                           [{"field": "lock", "message": "the task needs no bay: cannot lock one"}])
    if to.technician_id is None:
        raise ProblemError(409, "Move not feasible", "no technician can take this task",
                           [{"field": "technician_id", "message": "no technician can take this task"}])
    written = (await conn.execute(SQL.place.text, {
        "id": task.id, "version": task.version, "start": to.start, "end": to.end, "technician": to.technician_id,
        "bay": to.bay_id, "lock_start": "start" in lock, "lock_technician": "technician" in lock,
        "lock_bay": "bay" in lock})).first()
    if written is None:  # changed between reading and writing (a pipeline's write-back)
        await _stale(conn, task.id)


async def _stale(conn: AsyncConnection, task_id: UUID) -> NoReturn:
    current = (await conn.execute(SQL.version.text, {"id": task_id})).scalar()
    raise ProblemError(409, "Version conflict", f"task {task_id} changed while the move was judged; try again",
                       [{"field": "version", "message": f"stale: current version is {current}"}],
                       headers={"ETag": etag(current)})


def _where(t: Task) -> dict:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None
    return {"technician_id": t.assigned_technician_id and str(t.assigned_technician_id),
            "bay_id": t.bay_id and str(t.bay_id), "start": iso(t.planned_start), "end": iso(t.planned_end),
            "lock": [f for f, on in (("start", t.lock_start), ("technician", t.lock_technician),
                                     ("bay", t.lock_bay)) if on]}


async def publish_moved(conn: AsyncConnection, principal: Principal, before: Task, after: Task, forced: bool) -> None:
    """`task.moved` with from/to and who moved it; the technicians of both placements are its audience."""
    techs = [str(t) for t in {before.assigned_technician_id, after.assigned_technician_id} if t is not None]
    audience = [str(p) for (p,) in (await conn.execute(SQL.profiles.text, {"ids": techs})).all()]
    payload = {"task_id": str(after.id), "name": after.name, "from": _where(before), "to": _where(after),
               "by": str(principal.profile_id), "forced": forced}
    rows = (await conn.execute(SQL.publish_moved.text, {"work_order_id": after.work_order_id, "task_id": after.id,
                                         "audience": audience, "payload": json.dumps(payload)})).all()
    for _, delivery_id in rows:
        if delivery_id is not None:
            await enqueue_async(conn, delivery_message(str(delivery_id)))
