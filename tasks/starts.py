"""Starting the work-order pipeline (enrich -> plan tasks -> schedule -> notify) or a reschedule
in the caller's transaction.

Each start writes the `pipeline_runs` row and enqueues the first step's job on the
caller's connection, so both exist only if the caller's transaction commits (a work order
created by the API, a CSV import, an inbound webhook). Each start is defined once
(`tasks.drivers`); the plain functions run it on a psycopg connection (workers, CLI), the
`a`-prefixed ones on an SQLAlchemy AsyncConnection (the API's request transaction, acting as
`authenticated`: staff policies apply).

API, CLI and actors start pipelines through these functions (imports through
`tasks.integration_starts`): `pipelines/` never imports `tasks/`. Its steps
return what runs next (`pipelines.steps.Next`), and the actor holding the transaction
enqueues it.

The schedule step is one job per shop (the queue's unique key): runs reaching it while
that job waits join it, so a batch of work orders is scheduled once.
"""
from pathlib import Path
from uuid import UUID

from bayflow.queries import load
from pipelines.steps import Next
from tasks.drivers import Unit, arun, run
from tasks.enqueue import enqueue_job
from tasks.pipeline_actors import job_for

queries = load(Path(__file__).with_name("sql") / "starts.sql")


def _start(kind: str, work_order_id, triggered_by: str, first_step: str) -> Unit[str]:
    """Write the run and enqueue its first step; the run id."""
    (run_id,) = yield queries.start_pipeline_run, {
        "kind": kind, "work_order_id": work_order_id and str(work_order_id), "triggered_by": triggered_by,
        "first_step": first_step}
    message, options = job_for(Next(first_step, [run_id]))
    yield from enqueue_job(message, **options)
    return run_id


def _restart(run_id: UUID | str) -> Unit[str | None]:
    """Put a failed run back at its failed step and enqueue that step; the step, or None."""
    row = yield queries.restart_pipeline_run, {"run_id": str(run_id)}
    if row is None:
        return None
    step, schedule_run_id = row
    message, options = job_for(Next(step, [str(run_id)], schedule_run_id))
    yield from enqueue_job(message, **options)
    return step


def enqueue_work_order_flow(conn, work_order_id: UUID | str, *, triggered_by: str) -> str:
    """Start the pipeline for one work order (psycopg connection); returns its run id."""
    return run(conn, _start("work_order", work_order_id, triggered_by, "enrich"))


def enqueue_work_order_flows(conn, work_order_ids, *, triggered_by: str) -> list[str]:
    return [enqueue_work_order_flow(conn, wo, triggered_by=triggered_by) for wo in work_order_ids]


def enqueue_reschedule(conn, *, reason: str) -> str:
    """One (coalesced) schedule run + notify, e.g. after a parts ETA changed; returns the run id."""
    return run(conn, _start("reschedule", None, reason, "schedule"))


async def aenqueue_work_order_flow(conn, work_order_id: UUID | str, *, triggered_by: str) -> str:
    return await arun(conn, _start("work_order", work_order_id, triggered_by, "enrich"))


async def aenqueue_work_order_schedule(conn, work_order_id: UUID | str, *, triggered_by: str) -> str:
    """The pipeline for a work order whose tasks are already planned (a dispatcher's plan): schedule, notify."""
    return await arun(conn, _start("work_order", work_order_id, triggered_by, "schedule"))


async def aenqueue_reschedule(conn, *, reason: str) -> str:
    return await arun(conn, _start("reschedule", None, reason, "schedule"))


async def arestart_run(conn, run_id: UUID | str) -> str | None:
    """Put a failed run back at the step that failed and enqueue that step; the step, or None
    when the run is not failed."""
    return await arun(conn, _restart(run_id))


class AsyncFlowStarts:
    """The starts an inbound webhook may make, on the API's AsyncConnection (api.inbound.FlowStarts)."""

    work_order = staticmethod(aenqueue_work_order_flow)
    reschedule = staticmethod(aenqueue_reschedule)
