"""Bookkeeping of pipeline runs: one `pipeline_runs` row per trigger, one `pipeline_steps` row per step.

A step attempt is recorded in its own short transaction before the work starts, so the
attempt count, start time and any error survive the rollback of the work itself.
Functions take a psycopg connection (a worker's) and run inside the caller's transaction;
their SQL is in `pipelines/sql/runs.sql`.
"""
import json
from dataclasses import dataclass
from pathlib import Path

from bayflow.queries import load as load_queries
from pipelines.events import Event, dispatchers, publish
from pipelines.steps import Next

_ERROR_CHARS = 2000
_SQL = load_queries(Path(__file__).with_name("sql") / "runs.sql")


@dataclass(frozen=True)
class Run:
    id: str
    kind: str  # work_order | reschedule
    work_order_id: str | None
    status: str
    step: str
    schedule_run_id: str | None


def load(conn, run_id: str) -> Run | None:
    row = conn.execute(_SQL.run.psycopg, {"run_id": run_id}).fetchone()
    return Run(*row) if row else None


def begin_attempt(conn, run_ids: list[str], step: str) -> list[str]:
    """Count an attempt of `step` for the runs still waiting at it; returns those runs.

    A run that has moved past the step (a re-delivered message) or failed is left alone,
    which is what makes re-running an actor harmless.
    """
    rows = conn.execute(_SQL.begin_steps.psycopg, {"run_ids": list(run_ids), "step": step}).fetchall()
    started = [r[0] for r in rows]
    if started:
        conn.execute(_SQL.begin_runs.psycopg, {"run_ids": started})
    return started


def record_error(conn, run_ids: list[str], step: str, error: str) -> None:
    """The error of the latest failed attempt (the run stays running while retries remain)."""
    conn.execute(_SQL.record_error.psycopg, {"error": error[:_ERROR_CHARS], "run_ids": list(run_ids), "step": step})


def finish_step(conn, run_ids: list[str], step: str, *, next_step: str | None, detail: dict | None = None,
                skipped: bool = False, schedule_run_id: str | None = None) -> None:
    """Mark `step` done and move the runs to `next_step` (None: the run succeeded)."""
    conn.execute(_SQL.finish_step.psycopg, {"status": "skipped" if skipped else "succeeded",
                                            "detail": json.dumps(detail or {}), "run_ids": run_ids, "step": step})
    if next_step is None:
        conn.execute(_SQL.succeed_runs.psycopg, {"run_ids": run_ids})
    else:
        conn.execute(_SQL.move_runs.psycopg, {"step": next_step, "schedule_run_id": schedule_run_id,
                                              "run_ids": run_ids})


def skip_steps(conn, run_ids: list[str], steps: list[str], reason: str) -> None:
    conn.execute(_SQL.skip_steps.psycopg, {"detail": json.dumps({"skipped": reason}), "run_ids": run_ids,
                                           "steps": steps})


def fail(conn, run_ids: list[str], step: str, summary: str) -> Next:
    """The step exhausted its retries: the runs are failed (error: `summary: <last attempt's error>`)
    until a dispatcher retries them, and dispatchers get `pipeline.failed`; returns the webhook
    deliveries of those events to enqueue."""
    conn.execute(_SQL.fail_steps.psycopg, {"run_ids": run_ids, "step": step})
    conn.execute(_SQL.fail_runs.psycopg, {"summary": summary, "error_chars": _ERROR_CHARS, "run_ids": run_ids,
                                          "step": step})
    staff = dispatchers(conn)
    published = publish(conn, [
        Event("pipeline.failed", {"pipeline_run_id": run, "work_order_id": wo, "step": step, "error": error},
              work_order_id=wo, recipients=staff)
        for run, wo, error in conn.execute(_SQL.failed_runs.psycopg, {"run_ids": run_ids}).fetchall()])
    return Next(None, run_ids, deliveries=published.deliveries)


def waiting_at(conn, step: str) -> list[str]:
    """Runs waiting at `step`, locked for this transaction (the coalesced schedule claims them all)."""
    return [r[0] for r in conn.execute(_SQL.waiting_at.psycopg, {"step": step}).fetchall()]


def still_at(conn, run_ids: list[str], step: str) -> list[str]:
    """The runs still at `step` and running, locked: a step saves only for these, so a
    duplicate delivery that computed concurrently writes nothing and enqueues nothing."""
    return [r[0] for r in conn.execute(_SQL.still_at.psycopg, {"run_ids": list(run_ids), "step": step}).fetchall()]
