"""Step 3: schedule the shop — the whole open task set in v1 — and write a schedule run.

Coalesced: the step is one job per shop (the queue's unique key), and each execution
takes every run waiting at this step, so a batch of work orders is scheduled once.
Executions are serialised by an advisory lock, so two workers never solve at once: one that
finds the lock taken enqueues the step again (coalescing with any pending one) and ends.
"""
from contextlib import contextmanager

from pipelines import runs
from pipelines.schedule_run import run_schedule
from pipelines.steps import Next

NAME = "schedule"
_LOCK_KEY = 0x6266_7363  # "bfsc"

# What the run left out, for the step's detail (work order statuses follow the tasks in the database).
UNPLACED = "select placed_tasks, unplaced_tasks, unplaced_minutes from public.schedule_runs where id = %s"


@contextmanager
def exclusive(conn):
    """Yield whether this session got the shop's schedule lock (a session advisory lock, taken
    without waiting: a waiting session would hold its snapshot, and dead rows, for a whole solve)."""
    held = conn.execute("select pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()[0]
    conn.commit()
    try:
        yield held
    finally:
        if held:
            conn.rollback()
            conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
            conn.commit()


def claim(conn) -> list[str]:
    """Count an attempt for every run waiting to be scheduled; returns them."""
    return runs.begin_attempt(conn, runs.waiting_at(conn, NAME), NAME)


def compute(conn, run_ids: list[str]) -> str:
    """Solve and save a schedule run (its own transactions, see pipelines.schedule_run); its id."""
    return str(run_schedule(conn, triggered_by=f"pipeline: {len(run_ids)} run(s)"))


def save(conn, run_ids: list[str], schedule_run_id: str) -> Next:
    placed, unplaced, minutes = conn.execute(UNPLACED, (schedule_run_id,)).fetchone()
    runs.finish_step(conn, run_ids, NAME, next_step="notify", schedule_run_id=schedule_run_id,
                     detail={"schedule_run_id": schedule_run_id, "coalesced_runs": len(run_ids),
                             "placed_tasks": placed, "unplaced_tasks": unplaced, "unplaced_minutes": minutes})
    return Next("notify", run_ids, schedule_run_id)
