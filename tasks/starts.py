"""Starting the work-order pipeline (enrich -> plan tasks -> schedule -> notify) or a reschedule
in the caller's transaction.

Each start writes the `pipeline_runs` row and enqueues the first step's job on the
caller's connection, so both exist only if the caller's transaction commits (a work order
created by the API, a CSV import, an inbound webhook). The plain functions take a psycopg
connection (workers, CLI); the `a`-prefixed ones an SQLAlchemy AsyncConnection (the API's
request transaction, acting as `authenticated`: staff policies apply).

API, CLI and actors start pipelines through these functions (imports through
`tasks.integration_starts`): `pipelines/` never imports `tasks/`. Its steps
return what runs next (`pipelines.steps.Next`), and the actor holding the transaction
enqueues it.

The schedule step is one job per shop (the queue's unique key): runs reaching it while
that job waits join it, so a batch of work orders is scheduled once.
"""
from uuid import UUID

from sqlalchemy import text

from pipelines.steps import Next
from tasks.pipeline_actors import job_for
from tasks.enqueue import enqueue, enqueue_async

_START = "select bayflow.start_pipeline_run(%s, %s, %s, %s)::text"
_ASTART = text("select bayflow.start_pipeline_run(:kind, :work_order_id, :triggered_by, :first_step)::text")
_ARESTART = text("select step, schedule_run_id::text from bayflow.restart_pipeline_run(:run_id)")


def _start(conn, kind: str, work_order_id, triggered_by: str, first_step: str) -> str:
    run_id = conn.execute(_START, (kind, work_order_id and str(work_order_id), triggered_by, first_step)).fetchone()[0]
    message, options = job_for(Next(first_step, [run_id]))
    enqueue(conn, message, **options)
    return run_id


async def _astart(conn, kind: str, work_order_id, triggered_by: str, first_step: str) -> str:
    run_id = (await conn.execute(_ASTART, {"kind": kind, "work_order_id": work_order_id and str(work_order_id),
                                           "triggered_by": triggered_by, "first_step": first_step})).scalar_one()
    message, options = job_for(Next(first_step, [run_id]))
    await enqueue_async(conn, message, **options)
    return run_id


def enqueue_work_order_flow(conn, work_order_id: UUID | str, *, triggered_by: str) -> str:
    """Start the pipeline for one work order (psycopg connection); returns its run id."""
    return _start(conn, "work_order", work_order_id, triggered_by, "enrich")


def enqueue_work_order_flows(conn, work_order_ids, *, triggered_by: str) -> list[str]:
    return [enqueue_work_order_flow(conn, wo, triggered_by=triggered_by) for wo in work_order_ids]


def enqueue_reschedule(conn, *, reason: str) -> str:
    """One (coalesced) schedule run + notify, e.g. after a parts ETA changed; returns the run id."""
    return _start(conn, "reschedule", None, reason, "schedule")


async def aenqueue_work_order_flow(conn, work_order_id: UUID | str, *, triggered_by: str) -> str:
    return await _astart(conn, "work_order", work_order_id, triggered_by, "enrich")


async def aenqueue_work_order_schedule(conn, work_order_id: UUID | str, *, triggered_by: str) -> str:
    """The pipeline for a work order whose tasks are already planned (a dispatcher's plan): schedule, notify."""
    return await _astart(conn, "work_order", work_order_id, triggered_by, "schedule")


async def aenqueue_reschedule(conn, *, reason: str) -> str:
    return await _astart(conn, "reschedule", None, reason, "schedule")


async def arestart_run(conn, run_id: UUID | str) -> str | None:
    """Put a failed run back at the step that failed and enqueue that step; the step, or None
    when the run is not failed."""
    row = (await conn.execute(_ARESTART, {"run_id": str(run_id)})).one_or_none()
    if row is None:
        return None
    step, schedule_run_id = row
    message, options = job_for(Next(step, [str(run_id)], schedule_run_id))
    await enqueue_async(conn, message, **options)
    return step


class AsyncFlowStarts:
    """The starts an inbound webhook may make, on the API's AsyncConnection (api.inbound.FlowStarts)."""

    work_order = staticmethod(aenqueue_work_order_flow)
    reschedule = staticmethod(aenqueue_reschedule)
