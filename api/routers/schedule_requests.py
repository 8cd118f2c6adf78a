"""`POST /v1/schedule_runs` (ask for a re-optimization now) and `GET /v1/schedule_runs/{id}/diff`
(what a run changed against the run before it), for the board's explain panel (staff)."""
from uuid import UUID

from fastapi import APIRouter, Depends
from sqlalchemy import text

from api.deps import Connection, CurrentPrincipal, require_roles
from api.rows import fetch_one
from api.schemas.schedule import (
    DiffPlacement, MovedTask, PlacedTask, RunDiff, ScheduleRunRequest, ScheduleRunRequested, UnplacedTask,
)
from pipelines.work_order_flow import aenqueue_reschedule

router = APIRouter(prefix="/v1/schedule_runs", tags=["schedule runs"],
                   dependencies=[Depends(require_roles("admin", "dispatcher"))])

PREVIOUS = text("""select p.id from public.schedule_runs p, public.schedule_runs r
 where r.id = :id and (p.created_at, p.id) < (r.created_at, r.id)
 order by p.created_at desc, p.id desc limit 1""")

# This run's items beside the previous run's item of the same task (none: the task is new to it).
ITEMS = text("""select i.task_id, t.name as task_name, w.number as work_order_number,
  i.technician_id, i.bay_id, i.starts_at, i.why,
  p.task_id is not null as was_in_previous, p.technician_id as p_technician_id, p.bay_id as p_bay_id,
  p.starts_at as p_starts_at
from public.schedule_items i
join public.tasks t on t.id = i.task_id
join public.work_orders w on w.id = t.work_order_id
left join public.schedule_items p on p.run_id = cast(:previous as uuid) and p.task_id = i.task_id
where i.run_id = :id
order by i.starts_at nulls last, w.number, t.position, t.id""")


@router.post("", status_code=202, response_model=ScheduleRunRequested)
async def request_schedule_run(body: ScheduleRunRequest, conn: Connection, principal: CurrentPrincipal):
    """Re-optimize now: a reschedule pipeline run, whose schedule step joins any one already waiting
    (the queue's unique key). Follow it at GET /v1/pipeline_runs/{pipeline_run_id} or on GET /v1/events."""
    run_id = await aenqueue_reschedule(
        conn, reason=f"{body.scope} re-optimization requested by {principal.profile_id}")
    return ScheduleRunRequested(pipeline_run_id=run_id)


@router.get("/{run_id}/diff", response_model=RunDiff)
async def run_diff(run_id: UUID, conn: Connection):
    """The tasks the run moved (technician, bay or start changed) or newly placed, against the run
    before it, and the tasks it left unplaced; each with the run's reasons."""
    await fetch_one(conn, "select id from public.schedule_runs where id = :id", {"id": run_id},
                    "schedule run", run_id)
    previous = (await conn.execute(PREVIOUS, {"id": run_id})).scalar()
    moved, placed, unplaced = [], [], []
    for r in await conn.execute(ITEMS, {"id": run_id, "previous": previous}):
        named = {"task_id": r.task_id, "task_name": r.task_name, "work_order_number": r.work_order_number,
                 "why": r.why}
        to = DiffPlacement(technician_id=r.technician_id, bay_id=r.bay_id, starts_at=r.starts_at)
        if r.starts_at is None:
            unplaced.append(UnplacedTask(**named))
        elif not r.was_in_previous or r.p_starts_at is None:
            placed.append(PlacedTask(**named, to=to))
        elif (r.technician_id, r.bay_id, r.starts_at) != (r.p_technician_id, r.p_bay_id, r.p_starts_at):
            before = DiffPlacement(technician_id=r.p_technician_id, bay_id=r.p_bay_id, starts_at=r.p_starts_at)
            moved.append(MovedTask(**named, from_=before, to=to))
    return RunDiff(run_id=run_id, previous_run_id=previous, moved=moved, newly_placed=placed, unplaced=unplaced)
