"""`/v1/schedule_runs`: the schedules the pipeline computed, each task's placement and why (staff)."""
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from sqlalchemy import text

from api.deps import Connection, require_roles
from api.pagination import Page, Paging
from api.rows import fetch_one
from api.schemas.schedule_runs import ScheduleItem, ScheduleRun, ScheduleRunDetail

router = APIRouter(prefix="/v1/schedule_runs", tags=["schedule runs"],
                   dependencies=[Depends(require_roles("admin", "dispatcher"))])

COLUMNS = """id, status, objective_value, best_bound, gap, baseline_objective, objective_breakdown, solve_seconds,
  triggered_by, horizon_start, horizon_end, diagnoses, lateness_minutes, created_at"""

ITEMS = text("""select i.task_id, t.work_order_id, t.name as task_name, i.technician_id, i.bay_id, i.starts_at,
  i.ends_at, i.why
from public.schedule_items i join public.tasks t on t.id = i.task_id
where i.run_id = :id and (cast(:work_order_id as uuid) is null or t.work_order_id = :work_order_id)
order by i.starts_at nulls last, t.work_order_id, t.position""")


@router.get("", response_model=Page[ScheduleRun])
async def list_schedule_runs(conn: Connection, page: Paging):
    """Newest first."""
    after, params = page.after("created_at", "id", descending=True)
    rows = (await conn.execute(text(f"select {COLUMNS} from public.schedule_runs where {after}"
                                    " order by created_at desc, id desc limit :limit"),
                               {**params, "limit": page.limit + 1})).all()
    return page.page(rows, ScheduleRun, "created_at", "id")


@router.get("/{run_id}", response_model=ScheduleRunDetail)
async def get_schedule_run(run_id: UUID, conn: Connection,
                           work_order_id: Annotated[UUID | None, Query(description="only this work order's tasks")] = None):
    run = await fetch_one(conn, f"select {COLUMNS} from public.schedule_runs where id = :id", {"id": run_id},
                          "schedule run", run_id)
    items = (await conn.execute(ITEMS, {"id": run_id, "work_order_id": work_order_id})).all()
    return ScheduleRunDetail(**run._mapping, items=[ScheduleItem.model_validate(dict(i._mapping)) for i in items])
