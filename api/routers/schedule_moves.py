"""`/v1/schedule/what-if` and `/v1/schedule/moves`: the dispatcher board's drag and drop (staff).

A move is judged by the same what-if as its preview; one the what-if calls infeasible is
refused (409, the violations as `errors`) unless the caller says `force`, and then nothing
is written. An applied move writes the task's placement and locks, publishes `task.moved`
and asks for a partial re-optimization around it (the move is its change), all in the request's
transaction. Undo is a move back.
"""
from fastapi import APIRouter, Depends, Request, Response

from api.concurrency import IfMatch, etag, expected_version, set_etag
from api.deps import Connection, CurrentPrincipal, require_roles
from api.move_check import judge
from api.problems import ProblemError
from api.reoptimization import request_after_move
from api.routers.tasks import load_task
from api.schemas.schedule import MoveRequest, MoveResult, WhatIfRequest, WhatIfResult
from api.task_moves import publish_moved, refuse, serialise_moves, write_placement

router = APIRouter(prefix="/v1/schedule", tags=["schedule"],
                   dependencies=[Depends(require_roles("admin", "dispatcher"))])


# The task is named in the body, so the automatic rules (404 for path parameters) do not list it.
_UNKNOWN_TASK = {404: {"description": "No task `task_id`, or none you may see"}}


@router.post("/what-if", response_model=WhatIfResult, responses=_UNKNOWN_TASK)
async def what_if(body: WhatIfRequest, request: Request, conn: Connection):
    """Would the task fit there? What breaks, what it pushes, each work order's lateness change and the
    nearest feasible slots. Writes nothing."""
    task = await load_task(conn, body.task_id)
    return (await judge(request, conn, body, task)).result


@router.post("/moves", response_model=MoveResult, responses=_UNKNOWN_TASK)
async def move(body: MoveRequest, request: Request, conn: Connection, principal: CurrentPrincipal,
               response: Response, if_match: IfMatch = None):
    """Apply a move as the dispatcher's override, locked on `lock` (default: the fields given), and trigger
    a re-optimization around it. `If-Match` (the task's ETag) refuses a move of a task changed since."""
    await serialise_moves(conn)
    task = await load_task(conn, body.task_id)
    if if_match is not None and (version := expected_version(if_match, None)) != task.version:
        raise ProblemError(409, "Version conflict", f"task {task.id} is at version {task.version}, you sent {version}",
                           [{"field": "version", "message": f"stale: current version is {task.version}"}],
                           headers={"ETag": etag(task.version)})
    judged = await judge(request, conn, body, task)
    if not judged.result.feasible and not body.force:
        raise refuse(judged.result)
    await write_placement(conn, task, judged.result.placement, body.lock if body.lock is not None else given(body))
    moved = await load_task(conn, task.id)
    await publish_moved(conn, principal, task, moved, forced=not judged.result.feasible)
    run_id = await request_after_move(conn, str(principal.profile_id), task, moved)
    set_etag(response, moved.version)
    return MoveResult(task=moved, what_if=judged.result, pipeline_run_id=run_id)


def given(body: MoveRequest) -> list[str]:
    """The lock fields a move names."""
    return [name for name, value in (("technician", body.technician_id), ("bay", body.bay_id),
                                     ("start", body.start)) if value is not None]
