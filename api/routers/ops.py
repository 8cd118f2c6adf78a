"""Queue operations for dispatchers and admins: `/v1/ops/queues`, `/v1/ops/jobs`, retry and cancel;
`/v1/ops/schedule`: what the last schedule run left out; `/metrics`: queue and schedule gauges
read from Postgres for Prometheus, for a scraper that sends BAYFLOW_METRICS_TOKEN as its bearer
token (unset: not served).

Jobs are read and changed under job_queue's RLS policies (`bayflow.app_role()` admin or
dispatcher); the counts come from `bayflow.queue_stats()`, which returns aggregates only.
"""
import hmac
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from pydantic import BaseModel

from api.deps import Connection, require_roles
from api.pagination import Page, Paging
from api.problems import ProblemError
from api.queries import load
from api.schemas.common import INT8_MAX
from tasks import job_admin

SQL = load("ops")

router = APIRouter(tags=["ops"])
_ops = [Depends(require_roles("admin", "dispatcher"))]

JobId = Annotated[int, Path(ge=1, le=INT8_MAX)]
JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class QueueStats(BaseModel):
    queue: str
    queued: int
    ready: int
    running: int
    done: int
    failed: int
    cancelled: int
    oldest_ready_age_s: float
    processed_last_minute: int
    failed_last_minute: int


class ScheduleStats(BaseModel):
    last_run_id: str | None
    last_run_at: datetime | None
    placed_tasks: int
    unplaced_tasks: int
    unplaced_minutes: int
    at_risk_work_orders: int


class Job(BaseModel):
    id: int
    message_id: str
    queue: str
    actor: str
    status: JobStatus
    priority: int
    run_at: datetime
    attempts: int
    max_attempts: int
    unique_key: str | None
    pipeline_id: str | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    last_error: str | None
    traceback: str | None
    args: list[Any]
    kwargs: dict[str, Any]
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@router.get("/v1/ops/queues", response_model=list[QueueStats], dependencies=_ops)
async def list_queues(conn: Connection):
    return [QueueStats.model_validate(dict(r._mapping)) for r in (await conn.execute(SQL.stats.text)).all()]


@router.get("/v1/ops/schedule", response_model=ScheduleStats, dependencies=_ops)
async def schedule_stats(conn: Connection):
    """The last schedule run's placed and unplaced tasks, and the work orders at risk now."""
    row = (await conn.execute(SQL.schedule_stats.text)).one()
    return ScheduleStats.model_validate({**row._mapping, "last_run_id": row.last_run_id and str(row.last_run_id)})


@router.get("/v1/ops/jobs", response_model=Page[Job], dependencies=_ops)
async def list_jobs(
    conn: Connection, page: Paging,
    status: Annotated[JobStatus | None, Query()] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    queue: Annotated[str | None, Query(max_length=200)] = None,
):
    rows = await job_admin.list_jobs(conn, **page.keyset("id"), status=status, actor=actor, queue=queue)
    return page.page(rows, Job, "id")


async def _change(conn, job_id: int, action: str) -> Job:
    try:
        return Job.model_validate(dict((await job_admin.change_job(conn, job_id, action))._mapping))
    except job_admin.JobNotFound as missing:
        raise ProblemError(404, "Not found", str(missing)) from None
    except job_admin.JobStateConflict as conflict:
        raise ProblemError(409, "Job state conflict", str(conflict)) from None


@router.post("/v1/ops/jobs/{job_id}/retry", response_model=Job, dependencies=_ops)
async def retry_job(conn: Connection, job_id: JobId):
    """Run a failed or cancelled job again, with its attempts reset."""
    return await _change(conn, job_id, "retry")


@router.post("/v1/ops/jobs/{job_id}/cancel", response_model=Job, dependencies=_ops)
async def cancel_job(conn: Connection, job_id: JobId):
    """Cancel a job that has not started (queued, including retries waiting for their backoff)."""
    return await _change(conn, job_id, "cancel")


GAUGES = {
    "queued": "Jobs waiting (ready or delayed)",
    "ready": "Jobs ready to run now",
    "running": "Jobs claimed by a worker",
    "failed": "Dead-lettered jobs kept",
    "oldest_ready_age_s": "Age in seconds of the oldest ready job",
    "processed_last_minute": "Jobs finished successfully in the last minute",
    "failed_last_minute": "Jobs dead-lettered in the last minute",
}


def _check_scraper(request: Request) -> None:
    """404 unless BAYFLOW_METRICS_TOKEN is set; 401 unless the request bears it."""
    expected = request.app.state.settings.bayflow_metrics_token
    if expected is None:
        raise ProblemError(404, "Not found", "/metrics is served only when BAYFLOW_METRICS_TOKEN is set")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             expected.get_secret_value().encode()):
        raise ProblemError(401, "Unauthorized", "/metrics needs the bearer token of BAYFLOW_METRICS_TOKEN",
                           headers={"WWW-Authenticate": 'Bearer realm="metrics"'})


SCHEDULE_GAUGES = {
    "unplaced_tasks": "Tasks the last schedule run could not place",
    "unplaced_minutes": "Minutes of work the last schedule run could not place",
    "at_risk_work_orders": "Work orders at risk (some open task could not be placed)",
}


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request):
    """Prometheus exposition of the queue and schedule gauges (aggregates only), for the bearer of BAYFLOW_METRICS_TOKEN."""
    _check_scraper(request)
    async with request.app.state.connections.connect() as conn:
        async with conn.begin():
            await conn.execute(SQL.as_authenticated.text)
            rows = (await conn.execute(SQL.stats.text)).all()
            schedule = (await conn.execute(SQL.schedule_stats.text)).one()
    registry = CollectorRegistry()
    for name, doc in GAUGES.items():
        gauge = Gauge(f"bayflow_jobs_{name}", doc, ["queue"], registry=registry)
        for row in rows:
            gauge.labels(row.queue).set(getattr(row, name))
    for name, doc in SCHEDULE_GAUGES.items():
        Gauge(f"bayflow_schedule_{name}", doc, registry=registry).set(getattr(schedule, name))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
