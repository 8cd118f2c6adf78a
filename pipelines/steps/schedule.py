"""Step 3: re-optimize the shop around what changed (pipelines/schedule_run.py) and write a schedule run.

Coalesced: the step is one job per shop (the queue's unique key), and each execution
claims every run waiting at this step, so a batch of work orders is scheduled once.
Executions are serialised by an advisory lock (`exclusive`), so two workers never solve at
once: one that finds the lock taken enqueues the step again (coalescing with any pending
one) and ends.
"""
from contextlib import contextmanager

from pipelines import runs
from pipelines.schedule_run import PlannedRun, compute_run, load_run, save_run
from pipelines.steps import Batch, Next, queries
from scheduler import Result

NAME = "schedule"
_LOCK_KEY = 0x6266_7363  # "bfsc"


@contextmanager
def exclusive(conn):
    """Yield whether this session got the shop's schedule lock (a session advisory lock, taken
    without waiting: a waiting session would hold its snapshot, and dead rows, for a whole solve)."""
    held = conn.execute(queries.schedule_try_lock.psycopg, {"key": _LOCK_KEY}).fetchone()[0]
    conn.commit()
    try:
        yield held
    finally:
        if held:
            conn.rollback()
            conn.execute(queries.schedule_unlock.psycopg, {"key": _LOCK_KEY})
            conn.commit()


def claim(conn, batch: Batch) -> Batch:
    """Every run waiting to be scheduled, whichever message asked (the step is coalesced)."""
    return Batch(runs.begin_attempt(conn, runs.waiting_at(conn, NAME), NAME))


def load(conn, batch: Batch) -> PlannedRun:
    return load_run(conn)


def compute(run: PlannedRun) -> Result:
    """The scheduler's answer to the changes pending (a partial or full re-optimization)."""
    return compute_run(run)


def save(conn, batch: Batch, run: PlannedRun, result: Result) -> Next:
    schedule_run_id = str(save_run(conn, run, result, triggered_by=f"pipeline: {len(batch.run_ids)} run(s)"))
    placed, unplaced, minutes = conn.execute(queries.schedule_unplaced.psycopg, {"id": schedule_run_id}).fetchone()
    runs.finish_step(conn, batch.run_ids, NAME, next_step="notify", schedule_run_id=schedule_run_id,
                     detail={"schedule_run_id": schedule_run_id, "coalesced_runs": len(batch.run_ids),
                             "placed_tasks": placed, "unplaced_tasks": unplaced, "unplaced_minutes": minutes})
    return Next("notify", batch.run_ids, schedule_run_id)
