"""What ops do to jobs through the API: list them, run a failed one again, cancel a queued one.

The queue owns every statement on `job_queue` (`tasks/sql/`). These run on the API's request
connection (SQLAlchemy), as the caller: staff policies apply.
"""
from pathlib import Path

from bayflow.queries import load
SQL_DIR = Path(__file__).with_name("sql")
queries = load(SQL_DIR / "job_admin.sql", SQL_DIR / "wakeups.sql")
ACTIONS = {"retry": (queries.retry_job, "failed or cancelled"), "cancel": (queries.cancel_job, "queued")}


class JobNotFound(LookupError):
    """No job with that id (or none the caller may see)."""


class JobStateConflict(RuntimeError):
    """The job's status does not allow the action; the message names both."""


async def list_jobs(conn, *, after_id: int | None, limit: int, status: str | None = None,
                    actor: str | None = None, queue: str | None = None) -> list:
    """Rows of jobs newest first, after `after_id`, with the optional filters."""
    params = {"after_id": after_id, "limit": limit, "status": status, "actor": actor, "queue": queue}
    return (await conn.execute(queries.list_jobs.text, params)).all()


async def change_job(conn, job_id: int, action: str):
    """The job's row after `action` ('retry' or 'cancel'), its queue's workers woken at commit.
    JobNotFound or JobStateConflict when it cannot be done."""
    statement, allowed = ACTIONS[action]
    row = (await conn.execute(statement.text, {"id": job_id})).first()
    if row is not None:
        await conn.execute(queries.notify_queues.text, {"queues": [row.queue]})
        return row
    current = (await conn.execute(queries.job_status.text, {"id": job_id})).scalar()
    if current is None:
        raise JobNotFound(f"no job {job_id}")
    raise JobStateConflict(f"job {job_id} is {current}; only {allowed} jobs qualify")
