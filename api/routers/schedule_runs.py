"""`/v1/schedule_runs`: the schedules the pipeline computed, each task's placement and why (staff)."""
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.deps import Connection, require_roles
from api.pagination import Page, Paging
from api.queries import load
from api.rows import fetch_one
from api.schemas.schedule_runs import ScheduleItem, ScheduleRun, ScheduleRunDetail

SQL = load("schedule_runs")

router = APIRouter(prefix="/v1/schedule_runs", tags=["schedule runs"],
                   dependencies=[Depends(require_roles("admin", "dispatcher"))])


@router.get("", response_model=Page[ScheduleRun])
async def list_schedule_runs(conn: Connection, page: Paging):
    """Newest first."""
    rows = (await conn.execute(SQL.list_runs.text, page.keyset("created_at", "id"))).all()
    return page.page(rows, ScheduleRun, "created_at", "id")


@router.get("/{run_id}", response_model=ScheduleRunDetail)
async def get_schedule_run(
        run_id: UUID, conn: Connection,
        work_order_id: Annotated[UUID | None, Query(description="only this work order's tasks")] = None):
    run = await fetch_one(conn, SQL.run, {"id": run_id}, "schedule run", run_id)
    items = (await conn.execute(SQL.run_items.text, {"id": run_id, "work_order_id": work_order_id})).all()
    return ScheduleRunDetail(**run._mapping, items=[ScheduleItem.model_validate(dict(i._mapping)) for i in items])
