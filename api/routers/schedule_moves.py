"""`/v1/schedule/what-if` and `/v1/schedule/moves`: the dispatcher board's drag and drop (staff).

A move is judged by the same what-if as its preview; one the what-if calls infeasible is
refused (409, the violations as `errors`) unless the caller says `force`, and then nothing
is written. An applied move writes the task's placement and locks, publishes `task.moved`
(other boards hear of it through GET /v1/events) and asks for a re-optimization, all in the
request's transaction. Moves are serialised (a transaction-scoped advisory lock), so each
is judged against the plan the one before it left. Undo is a move back.
"""
import json
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.concurrency import IfMatch, etag, expected_version, set_etag
from api.deps import Connection, CurrentPrincipal, Principal, require_roles
from api.move_check import Judgement, judge
from api.problems import ProblemError
from api.routers.tasks import load_task
from api.schemas.schedule import MoveRequest, MoveResult, WhatIfRequest, WhatIfResult
from api.schemas.tasks import Task
from pipelines.webhooks import delivery_message
from pipelines.work_order_flow import aenqueue_reschedule
from tasks.enqueue import enqueue_async

router = APIRouter(prefix="/v1/schedule", tags=["schedule"],
                   dependencies=[Depends(require_roles("admin", "dispatcher"))])

# One move at a time: a move is judged on a snapshot read outside its own transaction.
SERIALISE_MOVES = text("select pg_advisory_xact_lock(hashtextextended('bayflow:task-moves', 0))")

PLACE = text("""
update public.tasks
   set planned_start = :start, planned_end = :end, assigned_technician_id = :technician, bay_id = :bay,
       lock_start = :lock_start, lock_technician = :lock_technician, lock_bay = :lock_bay,
       status = case when status = 'pending' then 'scheduled' else status end
 where id = :id and version = :version
returning id""")

PROFILES = text("""select distinct profile_id from public.technicians
 where id = any(cast(:ids as uuid[])) and profile_id is not null""")

PUBLISH = text("""select published_event_id, delivery from bayflow.publish_staff_event(
  'task.moved', :work_order_id, :task_id, cast(:audience as uuid[]), cast(:payload as jsonb))""")


@router.post("/what-if", response_model=WhatIfResult)
async def what_if(body: WhatIfRequest, request: Request, conn: Connection, principal: CurrentPrincipal):
    """Would the task fit there? What breaks, what it pushes, each work order's lateness change and the
    nearest feasible slots. Writes nothing."""
    task = await load_task(conn, body.task_id)
    return (await judge(request, principal, conn, body, task)).result


@router.post("/moves", response_model=MoveResult)
async def move(body: MoveRequest, request: Request, conn: Connection, principal: CurrentPrincipal,
               response: Response, if_match: IfMatch = None):
    """Apply a move as the dispatcher's override, locked on `lock` (default: the fields given), and trigger
    a re-optimization around it. `If-Match` (the task's ETag) refuses a move of a task changed since."""
    await conn.execute(SERIALISE_MOVES)
    task = await load_task(conn, body.task_id)
    if if_match is not None and (version := expected_version(if_match, None)) != task.version:
        raise ProblemError(409, "Version conflict", f"task {task.id} is at version {task.version}, you sent {version}",
                           [{"field": "version", "message": f"stale: current version is {task.version}"}],
                           headers={"ETag": etag(task.version)})
    judged = await judge(request, principal, conn, body, task)
    if not judged.result.feasible and not body.force:
        raise ProblemError(409, "Move not feasible", "; ".join(v.message for v in judged.result.violations),
                           [{"field": v.field, "message": v.message, "kind": v.kind} for v in judged.result.violations])
    moved = await apply_move(conn, principal, task, judged, body.lock if body.lock is not None else given(body),
                             forced=not judged.result.feasible)
    run_id = await aenqueue_reschedule(conn, reason=f"move of '{task.name}' by {principal.profile_id}")
    set_etag(response, moved.version)
    return MoveResult(task=moved, what_if=judged.result, pipeline_run_id=run_id)


def given(body: MoveRequest) -> list[str]:
    """The lock fields a move names."""
    return [name for name, value in (("technician", body.technician_id), ("bay", body.bay_id),
                                     ("start", body.start)) if value is not None]


async def apply_move(conn: AsyncConnection, principal: Principal, task: Task, judged: Judgement,
                     lock: list[str], *, forced: bool) -> Task:
    """Write the judged placement with exactly the `lock` flags set and publish `task.moved`; the task as written."""
    to = judged.result.placement
    if "bay" in lock and to.bay_id is None:
        raise ProblemError(422, "Invalid move", f"'{task.name}' has no bay to lock",
                           [{"field": "lock", "message": "the task needs no bay: cannot lock one"}])
    if to.technician_id is None:
        raise ProblemError(409, "Move not feasible", "no technician can take this task",
                           [{"field": "technician_id", "message": "no technician can take this task"}])
    written = (await conn.execute(PLACE, {
        "id": task.id, "version": task.version, "start": to.start, "end": to.end, "technician": to.technician_id,
        "bay": to.bay_id, "lock_start": "start" in lock, "lock_technician": "technician" in lock,
        "lock_bay": "bay" in lock})).first()
    if written is None:  # changed between reading and writing (a pipeline's write-back)
        current = await load_task(conn, task.id)
        raise ProblemError(409, "Version conflict", f"task {task.id} changed while the move was judged; try again",
                           [{"field": "version", "message": f"stale: current version is {current.version}"}],
                           headers={"ETag": etag(current.version)})
    moved = await load_task(conn, task.id)
    await publish_moved(conn, principal, task, moved, forced)
    return moved


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
    audience = [str(p) for (p,) in (await conn.execute(PROFILES, {"ids": techs})).all()]
    payload = {"task_id": str(after.id), "name": after.name, "from": _where(before), "to": _where(after),
               "by": str(principal.profile_id), "forced": forced}
    rows = (await conn.execute(PUBLISH, {"work_order_id": after.work_order_id, "task_id": after.id,
                                         "audience": audience, "payload": json.dumps(payload)})).all()
    for _, delivery_id in rows:
        if delivery_id is not None:
            await enqueue_async(conn, delivery_message(str(delivery_id)))
