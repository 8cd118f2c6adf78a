"""Actors of the work-order pipeline: enrich -> plan -> schedule (coalesced) -> notify.

Thin, and all alike: each runs its `pipelines.steps.Step` — claim the runs (an attempt
counted, in its own transaction), load, compute with no transaction open, then save the
outcome for the runs still at the step and enqueue what the step returns in one
transaction (a message re-delivered after that commit finds its runs moved on and does
nothing). A step that exhausts its retries marks its runs failed (`step_exhausted`).

Step modules are imported before a worker's threads start (`_LoadSteps`), or on first use:
the API imports this module to enqueue messages and should not load the LLM SDKs and CP-SAT.
"""
import logging
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import dramatiq
import psycopg
from dramatiq.middleware import Middleware

import tasks  # noqa: F401  (sets dramatiq's broker before the actors are declared)
from bayflow.config import settings
from bayflow.database import database_url
from bayflow.queries import load as load_queries
from pipelines import runs, steps
from pipelines.steps import SCHEDULE_UNIQUE_KEY, Batch, Next, Step
from tasks.db import Link
from tasks.enqueue import enqueue
from tasks.webhook_actors import enqueue_deliveries

QUEUE = "pipeline"
logger = logging.getLogger(__name__)
_local = threading.local()
_SQL = load_queries(Path(__file__).with_name("sql") / "pipeline_actors.sql")


class _LoadSteps(Middleware):
    """A worker imports the steps before its threads start, so the first job does not wait for them
    (`worker_boot`: dramatiq emits `process_boot` before it imports the actor modules)."""

    def before_worker_boot(self, broker, worker) -> None:
        for name in steps.STEPS:
            steps.named(name)


dramatiq.get_broker().add_middleware(_LoadSteps())


def _link() -> Link:
    if getattr(_local, "link", None) is None:
        _local.link = Link(database_url())
    return _local.link


@contextmanager
def _transaction(actor_name: str):
    with _link().transaction() as conn:
        conn.execute(_SQL.set_actor.psycopg, {"actor": f"worker:{actor_name}"})
        yield conn


def _describe(exc: BaseException) -> str:
    """`Type: message`, first line only (database errors append CONTEXT lines)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")


@contextmanager
def _errors_recorded(actor_name: str, run_ids: list[str], step: str):
    """Record a failed attempt's error on its steps, then let Retries retry it."""
    try:
        yield
    except Exception as exc:
        try:
            with _transaction(actor_name) as conn:
                runs.record_error(conn, run_ids, step, _describe(exc))
        except Exception:  # the database itself may be what failed; the job's retry still applies
            logger.exception("could not record the error of %s for runs %s", step, run_ids)
        raise


def job_for(follow: Next) -> tuple[dramatiq.Message, dict]:
    """The message that carries `follow.run_ids` through `follow.step`, and its enqueue options:
    the schedule job has the queue's unique key and starts after BAYFLOW_PIPELINE_SCHEDULE_DELAY_MS,
    so that runs planned meanwhile join its one solve."""
    if follow.step == "enrich":
        return enrich_work_order.message(follow.run_ids[0]), {}
    if follow.step == "plan":
        return plan_work_order.message(follow.run_ids[0]), {}
    if follow.step == "schedule":
        return schedule_shop.message(), {"unique_key": SCHEDULE_UNIQUE_KEY,
                                         "delay": settings().bayflow_pipeline_schedule_delay_ms}
    if follow.step == "notify":
        return notify_affected.message(follow.run_ids, follow.schedule_run_id), {}
    raise ValueError(f"no pipeline step {follow.step!r}")


def _enqueue_next(conn, follow: Next) -> None:
    """Enqueue what a step returned, in the transaction that saved the step."""
    if follow.step is not None:
        message, options = job_for(follow)
        enqueue(conn, message, **options)
    enqueue_deliveries(conn, follow.deliveries)


def _run(step: Step, actor_name: str, batch: Batch) -> None:
    """One attempt of `step` for the runs of `batch`: the same four moves for every step."""
    with _transaction(actor_name) as conn:
        claimed = step.claim(conn, batch)
    if not claimed.run_ids:
        return  # re-delivered after the step was done, or the runs failed meanwhile
    with _errors_recorded(actor_name, claimed.run_ids, step.NAME):
        with _transaction(actor_name) as conn:
            loaded = step.load(conn, claimed)
        output = step.compute(loaded)
        with _transaction(actor_name) as conn:
            if still := runs.still_at(conn, claimed.run_ids, step.NAME):
                _enqueue_next(conn, step.save(conn, replace(claimed, run_ids=still), loaded, output))


_retries = dict(max_retries=settings().bayflow_pipeline_max_retries,
                min_backoff=settings().bayflow_pipeline_min_backoff_ms,
                max_backoff=settings().bayflow_pipeline_max_backoff_ms)


@dramatiq.actor(queue_name=QUEUE)
def step_exhausted(message: dict, retry_info: dict) -> None:
    """A pipeline step failed on every attempt: its runs are failed, dispatchers are told."""
    name = _STEP_OF[message["actor_name"]]
    attempts = retry_info.get("retries", 0) + 1
    with _transaction("step_exhausted") as conn:
        if name in ("enrich", "plan"):
            run_ids = [message["args"][0]]
        elif name == "notify":
            run_ids = list(message["args"][0])
        else:
            run_ids = runs.waiting_at(conn, name)
        _enqueue_next(conn, runs.fail(conn, run_ids, name, f"{name} failed after {attempts} attempts"))


_on_exhausted = dict(on_retry_exhausted=step_exhausted.actor_name, **_retries)


@dramatiq.actor(queue_name=QUEUE, **_on_exhausted)
def enrich_work_order(run_id: str) -> None:
    _run(steps.named("enrich"), "enrich_work_order", Batch([run_id]))


@dramatiq.actor(queue_name=QUEUE, **_on_exhausted)
def plan_work_order(run_id: str) -> None:
    _run(steps.named("plan"), "plan_work_order", Batch([run_id]))


@dramatiq.actor(queue_name=QUEUE, **_on_exhausted)
def schedule_shop() -> None:
    """Schedule every run waiting at the schedule step, one solve for all of them."""
    schedule = steps.named("schedule")
    try:
        with schedule.exclusive(_link().connection()) as held:
            if held:
                _run(schedule, "schedule_shop", Batch([]))
                return
    except psycopg.OperationalError as exc:  # the lock's own statements run outside _transaction
        _link().close()
        raise dramatiq.errors.ConnectionClosed(exc) from exc
    with _transaction("schedule_shop") as conn:  # another solve is running: schedule what waits once it is done
        _enqueue_next(conn, Next("schedule"))


@dramatiq.actor(queue_name=QUEUE, **_on_exhausted)
def notify_affected(run_ids: list[str], schedule_run_id: str | None) -> None:
    _run(steps.named("notify"), "notify_affected", Batch(list(run_ids), schedule_run_id))


_STEP_OF = {
    enrich_work_order.actor_name: "enrich",
    plan_work_order.actor_name: "plan",
    schedule_shop.actor_name: "schedule",
    notify_affected.actor_name: "notify",
}
