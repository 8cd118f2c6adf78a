"""`POST /v1/tasks/{id}/status`: a technician (or staff) moves a task along its state machine.

The database decides (migration 20261207000600): a technician's task goes pending|scheduled ->
in_progress -> paused|blocked|done, paused -> in_progress|blocked, blocked -> in_progress, never
back from done; starting records actual_start and done records actual_end in database time. A
refused change answers 409 naming the field and the rule. A task that is not (or no longer)
the caller's answers 404. With an `Idempotency-Key`, a retry (an offline queue resending)
replays the first answer instead of changing the task again.
"""
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from api.concurrency import etag
from api.deps import Connection
from api.idempotency import Idempotent
from api.problems import ProblemError
from api.queries import load
from api.routers.tasks import load_task
from api.schemas.common import LongText, RequestModel
from api.schemas.tasks import Reason, Task, TaskStatus

SQL = load("task_status")

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])


class StatusChange(RequestModel):
    status: TaskStatus
    reason: Reason | None = Field(default=None, description="why the task is blocked; required for `blocked`")
    note: Annotated[LongText | None, Field(description="appended to the task's notes on a line of its own")] = None


@router.post("/{task_id}/status", response_model=Task)
async def change_status(task_id: UUID, body: StatusChange, conn: Connection, idem: Idempotent):
    if idem.replay:
        return idem.replay
    if body.status == "blocked" and body.reason is None:
        current = (await conn.execute(SQL.current_status.text, {"id": task_id})).first()
        if current is not None and not (current.status == "blocked" and current.blocked_reason):
            raise ProblemError(422, "Missing value", "a blocked task needs a reason",
                               [{"field": "reason", "message": "a blocked task needs a reason"}])
    changed = (await conn.execute(SQL.change.text, {"id": task_id, "status": body.status, "reason": body.reason,
                                            "note": body.note})).first()
    if changed is None:
        raise ProblemError(404, "Not found", f"no task {task_id} (it may have been reassigned)")
    task = await load_task(conn, task_id)
    return await idem.respond(200, task, {"ETag": etag(task.version)})
