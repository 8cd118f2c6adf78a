"""`/v1/tasks`: tasks and their dependencies. Technicians see (and may update the status and
notes of) only the tasks assigned to them; RLS decides, the API answers 404 for the rest.
A staff change of where a task is (technician, bay, planned start) is judged by the board's
what-if like a move: refused with the violations unless the body says `force`; once applied it is a
dispatcher's move, re-optimized around like one (api/reoptimization.py)."""
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from api.concurrency import IfMatch, etag, expected_version, set_etag
from api.deps import Connection, CurrentPrincipal, Principal, require_roles
from api.idempotency import Idempotent
from api.move_check import judge
from api.pagination import Page, Paging
from api.problems import ProblemError
from api.queries import load
from api.reoptimization import request_after_move
from api.rows import delete_versioned, fetch_one, update_versioned
from api.schemas.common import QueryTimestamp
from api.schemas.schedule import WhatIfRequest
from api.schemas.tasks import Dependency, DependencyCreate, Task, TaskCreate, TaskStatus, TaskUpdate
from api.task_moves import publish_moved, refuse, serialise_moves

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])
staff = Depends(require_roles("admin", "dispatcher"))

SQL = load("tasks")


async def load_task(conn: AsyncConnection, task_id: UUID) -> Task:
    row = await fetch_one(conn, SQL.task, {"id": task_id}, "task", task_id)
    return Task.model_validate(dict(row._mapping))


async def load_work_order_tasks(conn: AsyncConnection, work_order_id: UUID) -> list[Task]:
    rows = await conn.execute(SQL.work_order_tasks.text, {"id": work_order_id})
    return [Task.model_validate(dict(r._mapping)) for r in rows]


async def add_dependencies(conn: AsyncConnection, pairs: list[dict]) -> None:
    """Insert `{task_id, depends_on_task_id}` pairs; the schema's trigger refuses cross-work-order
    dependencies and cycles, a check constraint refuses self-dependencies."""
    if pairs:
        await conn.execute(SQL.add_dependency.text, pairs)


@router.get("", response_model=Page[Task])
async def list_tasks(
    conn: Connection, page: Paging,
    status: Annotated[list[TaskStatus] | None, Query(description="any of these statuses")] = None,
    work_order_id: UUID | None = None,
    assignee: Annotated[UUID | None, Query(description="assigned technician id")] = None,
    planned_from: Annotated[QueryTimestamp | None, Query(description="planned_start at or after")] = None,
    planned_to: Annotated[QueryTimestamp | None, Query(description="planned_start before")] = None,
):
    rows = (await conn.execute(SQL.list_tasks.text, {
        **page.keyset("created_at", "id"), "status": status, "work_order_id": work_order_id, "assignee": assignee,
        "planned_from": planned_from, "planned_to": planned_to,
    })).all()
    return page.page(rows, Task, "created_at", "id")


@router.get("/{task_id}", response_model=Task)
async def get_task(task_id: UUID, conn: Connection, response: Response):
    task = await load_task(conn, task_id)
    set_etag(response, task.version)
    return task


@router.post("", status_code=201, response_model=Task, dependencies=[staff])
async def create_task(body: TaskCreate, conn: Connection, idem: Idempotent):
    if idem.replay:
        return idem.replay
    if (await conn.execute(SQL.work_order_exists.text, {"id": body.work_order_id})).first() is None:
        raise ProblemError(422, "Unknown reference", f"no work order {body.work_order_id}",
                           [{"field": "work_order_id", "message": "no such work order"}])
    values = body.model_dump(exclude={"depends_on"})
    row = (await conn.execute(SQL.insert_task.text, values)).one()
    await add_dependencies(conn, [{"task_id": row.id, "depends_on_task_id": d} for d in body.depends_on])
    task = await load_task(conn, row.id)
    return await idem.respond(201, task, {"ETag": etag(task.version), "Location": f"/v1/tasks/{task.id}"})


@router.patch("/{task_id}", response_model=Task)
async def update_task(task_id: UUID, body: TaskUpdate, conn: Connection, principal: CurrentPrincipal,
                      request: Request, response: Response, if_match: IfMatch = None):
    version = expected_version(if_match, body.version)
    changes = body.changes()
    moving = await _judge_move(request, principal, conn, task_id, changes, body.force)
    await update_versioned(conn, "public.tasks", "id", task_id, changes, version, "task")
    task = await load_task(conn, task_id)
    if moving is not None:
        await publish_moved(conn, principal, moving[0], task, forced=moving[1])
        await request_after_move(conn, str(principal.profile_id), moving[0], task)
    set_etag(response, task.version)
    return task


PLACEMENT = ("assigned_technician_id", "bay_id", "planned_start")


async def _judge_move(request: Request, principal: Principal, conn: AsyncConnection, task_id: UUID,
                      changes: dict, force: bool) -> tuple[Task, bool] | None:
    """A staff edit that puts the task somewhere else: the task before it and whether it is forced (409
    with the what-if's violations when infeasible and not forced); None for any other edit."""
    if principal.role not in ("admin", "dispatcher") or not changes.keys() & set(PLACEMENT):
        return None
    await serialise_moves(conn)
    before = await load_task(conn, task_id)
    now = (before.assigned_technician_id, before.bay_id, before.planned_start)
    tech, bay, start = (changes.get(name, current) for name, current in zip(PLACEMENT, now))
    if tech is None or start is None or (tech, bay, start) == now:
        return None  # unplaced, or where it was
    proposal = WhatIfRequest(task_id=task_id, technician_id=tech, bay_id=bay, start=start)
    judged = await judge(request, conn, proposal, before)
    if not judged.result.feasible and not force:
        raise refuse(judged.result)
    return before, not judged.result.feasible


@router.delete("/{task_id}", status_code=204, dependencies=[staff])
async def delete_task(task_id: UUID, conn: Connection, if_match: IfMatch = None):
    version = expected_version(if_match, None) if if_match else None
    await delete_versioned(conn, "public.tasks", task_id, version, "task")


@router.post("/{task_id}/dependencies", status_code=201, response_model=Dependency, dependencies=[staff])
async def add_dependency(task_id: UUID, body: DependencyCreate, conn: Connection):
    await fetch_one(conn, SQL.task_exists, {"id": task_id}, "task", task_id)
    await add_dependencies(conn, [{"task_id": task_id, "depends_on_task_id": body.depends_on_task_id}])
    return Dependency(task_id=task_id, depends_on_task_id=body.depends_on_task_id)


@router.delete("/{task_id}/dependencies/{depends_on_task_id}", status_code=204, dependencies=[staff])
async def remove_dependency(task_id: UUID, depends_on_task_id: UUID, conn: Connection):
    await fetch_one(conn, SQL.remove_dependency, {"t": task_id, "d": depends_on_task_id},
                    "dependency", f"of task {task_id} on {depends_on_task_id}")
