"""Bookkeeping of pipeline runs: one `pipeline_runs` row per trigger, one `pipeline_steps` row per step.

A step attempt is recorded in its own short transaction before the work starts, so the
attempt count, start time and any error survive the rollback of the work itself.
Functions take a psycopg connection (a worker's) and run inside the caller's transaction.
"""
import json
from dataclasses import dataclass

_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Run:
    id: str
    kind: str  # work_order | reschedule
    work_order_id: str | None
    status: str
    step: str
    schedule_run_id: str | None


def load(conn, run_id: str) -> Run | None:
    row = conn.execute(
        "select id::text, kind, work_order_id::text, status, step, schedule_run_id::text"
        " from public.pipeline_runs where id = %s", (run_id,)).fetchone()
    return Run(*row) if row else None


def begin_attempt(conn, run_ids: list[str], step: str) -> list[str]:
    """Count an attempt of `step` for the runs still waiting at it; returns those runs.

    A run that has moved past the step (a re-delivered message) or failed is left alone,
    which is what makes re-running an actor harmless.
    """
    rows = conn.execute(
        """update public.pipeline_steps s
              set status = 'running', attempts = s.attempts + 1, started_at = now(), finished_at = null
             from public.pipeline_runs r
            where r.id = s.run_id and s.run_id = any(%s::uuid[]) and s.step = %s
              and r.step = %s and r.status in ('queued', 'running')
              and s.status in ('pending', 'running', 'failed')
        returning s.run_id::text""", (run_ids, step, step)).fetchall()
    started = [r[0] for r in rows]
    if started:
        conn.execute(
            "update public.pipeline_runs set status = 'running', started_at = coalesce(started_at, now()),"
            " updated_at = now() where id = any(%s::uuid[])", (started,))
    return started


def record_error(conn, run_ids: list[str], step: str, error: str) -> None:
    """The error of the latest failed attempt (the run stays running while retries remain)."""
    conn.execute(
        "update public.pipeline_steps set status = 'failed', error = %s, finished_at = now()"
        " where run_id = any(%s::uuid[]) and step = %s and status = 'running'",
        (error[:_ERROR_CHARS], run_ids, step))


def finish_step(conn, run_ids: list[str], step: str, *, next_step: str | None, detail: dict | None = None,
                skipped: bool = False, schedule_run_id: str | None = None) -> None:
    """Mark `step` done and move the runs to `next_step` (None: the run succeeded)."""
    conn.execute(
        "update public.pipeline_steps set status = %s, error = null, finished_at = now(),"
        " detail = detail || %s::jsonb where run_id = any(%s::uuid[]) and step = %s",
        ("skipped" if skipped else "succeeded", json.dumps(detail or {}), run_ids, step))
    if next_step is None:
        conn.execute(
            "update public.pipeline_runs set status = 'succeeded', finished_at = now(), updated_at = now()"
            " where id = any(%s::uuid[])", (run_ids,))
    else:
        conn.execute(
            "update public.pipeline_runs set step = %s, schedule_run_id = coalesce(%s::uuid, schedule_run_id),"
            " updated_at = now() where id = any(%s::uuid[])", (next_step, schedule_run_id, run_ids))


def skip_steps(conn, run_ids: list[str], steps: list[str], reason: str) -> None:
    conn.execute(
        "update public.pipeline_steps set status = 'skipped', finished_at = now(), detail = detail || %s::jsonb"
        " where run_id = any(%s::uuid[]) and step = any(%s::text[])",
        (json.dumps({"skipped": reason}), run_ids, steps))


def fail(conn, run_ids: list[str], step: str, summary: str) -> None:
    """The step exhausted its retries: the run is failed (error: `summary: <last attempt's error>`)
    until a dispatcher retries it."""
    conn.execute(
        "update public.pipeline_steps set status = 'failed', finished_at = coalesce(finished_at, now())"
        " where run_id = any(%s::uuid[]) and step = %s", (run_ids, step))
    conn.execute(
        """update public.pipeline_runs r
              set status = 'failed', finished_at = now(), updated_at = now(),
                  error = left(%s || ': ' || coalesce(s.error, 'unknown error'), %s)
             from public.pipeline_steps s
            where s.run_id = r.id and s.step = r.step and r.id = any(%s::uuid[])
              and r.status in ('queued', 'running') and r.step = %s""", (summary, _ERROR_CHARS, run_ids, step))


def waiting_at(conn, step: str) -> list[str]:
    """Runs waiting at `step`, locked for this transaction (the coalesced schedule claims them all)."""
    rows = conn.execute(
        "select r.id::text from public.pipeline_runs r"
        " join public.pipeline_steps s on s.run_id = r.id and s.step = r.step"
        " where r.step = %s and r.status in ('queued', 'running') and s.status in ('pending', 'running', 'failed')"
        " order by r.created_at for update of r", (step,)).fetchall()
    return [r[0] for r in rows]


def still_at(conn, run_ids: list[str], step: str) -> list[str]:
    """The runs still at `step` and running, locked: a step saves only for these, so a
    duplicate delivery that computed concurrently writes nothing and enqueues nothing."""
    rows = conn.execute(
        "select id::text from public.pipeline_runs where id = any(%s::uuid[]) and step = %s and status = 'running'"
        " order by id for update", (run_ids, step)).fetchall()
    return [r[0] for r in rows]
