"""`POST /v1/schedule_runs` (ask for a partial or full re-optimization now) and
`GET /v1/schedule_runs/{id}/diff` (the diff the run stored: what it moved and why), for the board's
explain panel (staff)."""
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import Connection, CurrentPrincipal, require_roles
from api.reoptimization import SQL, request_reoptimization
from api.rows import fetch_one
from api.schemas.schedule import (
    DiffPlacement, MovedTask, PlacedTask, RunDiff, ScheduleRunRequest, ScheduleRunRequested, UnplacedTask,
)

router = APIRouter(prefix="/v1/schedule_runs", tags=["schedule runs"],
                   dependencies=[Depends(require_roles("admin", "dispatcher"))])


@router.post("", status_code=202, response_model=ScheduleRunRequested)
async def request_schedule_run(body: ScheduleRunRequest, conn: Connection, principal: CurrentPrincipal):
    """Re-optimize now: `partial` frees the neighbourhood of every change not yet answered, `full` the whole
    shop (the frozen window holds either way). The request joins the reschedule run already waiting, if any
    (the queue's unique key). Follow it at GET /v1/pipeline_runs/{pipeline_run_id} or on GET /v1/events."""
    run_id = await request_reoptimization(
        conn, scope=body.scope, kind="request",
        triggered_by=f"{body.scope} re-optimization requested by {principal.profile_id}")
    return ScheduleRunRequested(pipeline_run_id=run_id)


@router.get("/{run_id}/diff", response_model=RunDiff)
async def run_diff(run_id: UUID, conn: Connection):
    """The tasks the run moved (technician, bay or start changed), newly placed or took off the schedule,
    against the schedule it replaced, each with why; the run's scope and the changes it answered."""
    run = await fetch_one(conn, SQL.run_scope, {"id": run_id}, "schedule run", run_id)
    previous = (await conn.execute(SQL.previous_run.text, {"id": run_id})).scalar()
    moved, placed, unplaced = [], [], []
    for r in await conn.execute(SQL.run_moves.text, {"id": run_id}):
        named = {"task_id": r.task_id, "task_name": r.task_name, "work_order_number": r.work_order_number,
                 "why": [r.reason]}
        to = DiffPlacement(technician_id=r.to_technician_id, bay_id=r.to_bay_id, starts_at=r.to_starts_at)
        if r.to_starts_at is None:
            unplaced.append(UnplacedTask(**named))
        elif r.from_starts_at is None:
            placed.append(PlacedTask(**named, to=to))
        else:
            before = DiffPlacement(technician_id=r.from_technician_id, bay_id=r.from_bay_id, starts_at=r.from_starts_at)
            moved.append(MovedTask(**named, from_=before, to=to))
    return RunDiff(run_id=run_id, previous_run_id=previous, scope=run.scope,
                   changes=[c["reason"] for c in run.changes], moved=moved, newly_placed=placed, unplaced=unplaced)
