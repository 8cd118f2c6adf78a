"""`/v1/pipeline_runs` and `/v1/work_orders/{id}/pipeline_runs`: each work order's progress
through enrich -> plan -> schedule -> notify, and restarting a failed run. Staff only (RLS)."""
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncConnection

from api.deps import Connection, require_roles
from api.pagination import Page, Paging
from api.problems import ProblemError
from api.queries import load
from api.rows import fetch_one
from api.schemas.pipelines import PipelineRun, RunStatus
from tasks.starts import arestart_run

router = APIRouter(tags=["pipelines"], dependencies=[Depends(require_roles("admin", "dispatcher"))])

SQL = load("pipelines")


async def load_run(conn: AsyncConnection, run_id: UUID) -> PipelineRun:
    row = await fetch_one(conn, SQL.run, {"id": run_id}, "pipeline run", run_id)
    return PipelineRun.model_validate(dict(row._mapping))


@router.get("/v1/pipeline_runs", response_model=Page[PipelineRun])
async def list_runs(conn: Connection, page: Paging,
                    status: Annotated[list[RunStatus] | None, Query(description="any of these statuses")] = None):
    """Newest first: e.g. `?status=failed` lists the runs waiting for a dispatcher's retry."""
    rows = (await conn.execute(SQL.list_runs.text, {**page.keyset("created_at", "id"), "status": status})).all()
    return page.page(rows, PipelineRun, "created_at", "id")


@router.get("/v1/pipeline_runs/{run_id}", response_model=PipelineRun)
async def get_run(run_id: UUID, conn: Connection):
    return await load_run(conn, run_id)


@router.get("/v1/work_orders/{work_order_id}/pipeline_runs", response_model=list[PipelineRun])
async def work_order_runs(work_order_id: UUID, conn: Connection):
    """The work order's runs, newest first (404 when there is no such work order)."""
    await fetch_one(conn, SQL.work_order_exists, {"id": work_order_id},
                    "work order", work_order_id)
    rows = (await conn.execute(SQL.work_order_runs.text, {"id": work_order_id})).all()
    return [PipelineRun.model_validate(dict(r._mapping)) for r in rows]


@router.post("/v1/work_orders/{work_order_id}/retry-pipeline", status_code=202, response_model=PipelineRun)
async def retry_pipeline(work_order_id: UUID, conn: Connection):
    """Restart the work order's latest run at the step that failed (409 unless it failed)."""
    await fetch_one(conn, SQL.lock_work_order, {"id": work_order_id},
                    "work order", work_order_id)
    latest = (await conn.execute(SQL.latest_run.text, {"id": work_order_id})).first()
    if latest is None:
        raise ProblemError(409, "Nothing to retry", f"work order {work_order_id} has no pipeline run")
    if latest.status != "failed" or await arestart_run(conn, latest.id) is None:
        raise ProblemError(409, "Nothing to retry",
                           f"the latest pipeline run of work order {work_order_id} is {latest.status}, not failed")
    return await load_run(conn, latest.id)
