"""Actors of the work-order pipeline: enrich -> plan -> schedule (coalesced) -> notify.

Thin: each counts an attempt, loads, calls its step in `pipelines.steps` with no
transaction open, and saves the outcome together with the next step's message in one
transaction (a message re-delivered after that commit finds its run moved on and does
nothing). A step that exhausts its retries marks its runs failed (`step_exhausted`).

The step modules are imported when a worker process boots (or on first use): the API
imports this module to enqueue messages and should not load the LLM SDKs and CP-SAT.
"""
import importlib
import logging
import threading
from contextlib import contextmanager

import dramatiq
import psycopg
from dramatiq.middleware import Middleware

import tasks  # noqa: F401  (sets dramatiq's broker before the actors are declared)
from bayflow.config import settings
from bayflow.database import database_url
from pipelines import runs
from pipelines.events import Event, dispatchers, publish
from pipelines.steps import SCHEDULE_UNIQUE_KEY, STEPS, Next
from tasks.db import Link
from tasks.enqueue import enqueue
from tasks.webhook_actors import enqueue_deliveries

QUEUE = "pipeline"
logger = logging.getLogger(__name__)
_local = threading.local()


def _step(name: str):
    return importlib.import_module(f"pipelines.steps.{name}")


class _LoadSteps(Middleware):
    """Workers import the steps at boot, so the first job does not wait for the imports."""

    def after_process_boot(self, broker) -> None:
        for name in STEPS:
            _step(name)


dramatiq.get_broker().add_middleware(_LoadSteps())


def _link() -> Link:
    if getattr(_local, "link", None) is None:
        _local.link = Link(database_url())
    return _local.link


@contextmanager
def _transaction(actor_name: str):
    with _link().transaction() as conn:
        conn.execute("select set_config('bayflow.actor', %s, true)", (f"worker:{actor_name}",))
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


def _run_work_order_step(name: str, actor_name: str, run_id: str) -> None:
    """enrich / plan: one run, one work order."""
    step = _step(name)
    with _transaction(actor_name) as conn:
        if not runs.begin_attempt(conn, [run_id], step.NAME):
            return  # re-delivered after the step was done, or the run failed meanwhile
        run = runs.load(conn, run_id)
    with _errors_recorded(actor_name, [run_id], step.NAME):
        with _transaction(actor_name) as conn:
            loaded = step.load(conn, run)
        outcome = step.compute(loaded, _step("gateway_io").config())
        with _transaction(actor_name) as conn:
            if runs.still_at(conn, [run_id], step.NAME):
                _enqueue_next(conn, step.save(conn, run, outcome))


_retries = dict(max_retries=settings().bayflow_pipeline_max_retries,
                min_backoff=settings().bayflow_pipeline_min_backoff_ms,
                max_backoff=settings().bayflow_pipeline_max_backoff_ms)


@dramatiq.actor(queue_name=QUEUE)
def step_exhausted(message: dict, retry_info: dict) -> None:
    """A pipeline step failed on every attempt: its runs are failed, dispatchers are told."""
    step = _STEP_OF[message["actor_name"]]
    attempts = retry_info.get("retries", 0) + 1
    with _transaction("step_exhausted") as conn:
        if step in ("enrich", "plan"):
            run_ids = [message["args"][0]]
        elif step == "notify":
            run_ids = list(message["args"][0])
        else:
            run_ids = runs.waiting_at(conn, step)
        runs.fail(conn, run_ids, step, f"{step} failed after {attempts} attempts")
        rows = conn.execute("select id::text, work_order_id::text, error from public.pipeline_runs"
                            " where id = any(%s::uuid[]) and status = 'failed'", (run_ids,)).fetchall()
        staff = dispatchers(conn)
        published = publish(conn, [Event("pipeline.failed", {"pipeline_run_id": run, "work_order_id": wo, "step": step,
                                                 "error": error}, work_order_id=wo, recipients=staff)
                       for run, wo, error in rows])
        enqueue_deliveries(conn, published.deliveries)


_on_exhausted = dict(on_retry_exhausted=step_exhausted.actor_name, **_retries)


@dramatiq.actor(queue_name=QUEUE, **_on_exhausted)
def enrich_work_order(run_id: str) -> None:
    _run_work_order_step("enrich", "enrich_work_order", run_id)


@dramatiq.actor(queue_name=QUEUE, **_on_exhausted)
def plan_work_order(run_id: str) -> None:
    _run_work_order_step("plan", "plan_work_order", run_id)


@dramatiq.actor(queue_name=QUEUE, **_on_exhausted)
def schedule_shop() -> None:
    """Schedule every run waiting at the schedule step, one solve for all of them."""
    schedule = _step("schedule")
    conn = _link().connection()
    try:
        # For the audit rows of pipelines.schedule_run, which runs its own transactions.
        conn.execute("select set_config('bayflow.actor', 'worker:schedule_shop', false)")
        with schedule.exclusive(conn) as held:
            if not held:  # another solve is running: schedule what waits once it is done
                with _transaction("schedule_shop") as tx:
                    _enqueue_next(tx, Next("schedule"))
                return
            with _transaction("schedule_shop") as tx:
                run_ids = schedule.claim(tx)
            if not run_ids:
                return  # an earlier execution took them
            with _errors_recorded("schedule_shop", run_ids, schedule.NAME):
                schedule_run_id = schedule.compute(conn, run_ids)
                with _transaction("schedule_shop") as tx:
                    _enqueue_next(tx, schedule.save(tx, runs.still_at(tx, run_ids, schedule.NAME), schedule_run_id))
    except psycopg.OperationalError as exc:
        _link().close()
        raise dramatiq.errors.ConnectionClosed(exc) from exc


@dramatiq.actor(queue_name=QUEUE, **_on_exhausted)
def notify_affected(run_ids: list[str], schedule_run_id: str | None) -> None:
    notify = _step("notify")
    with _transaction("notify_affected") as conn:
        started = runs.begin_attempt(conn, run_ids, notify.NAME)
    if not started:
        return
    with _errors_recorded("notify_affected", started, notify.NAME):
        with _transaction("notify_affected") as conn:
            loaded = notify.load(conn, started, schedule_run_id)
        events = notify.compute(loaded)
        with _transaction("notify_affected") as conn:
            if still := runs.still_at(conn, started, notify.NAME):
                _enqueue_next(conn, notify.save(conn, still, events))


_STEP_OF = {
    enrich_work_order.actor_name: "enrich",
    plan_work_order.actor_name: "plan",
    schedule_shop.actor_name: "schedule",
    notify_affected.actor_name: "notify",
}
