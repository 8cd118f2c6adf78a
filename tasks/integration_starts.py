"""Starting the integrations' jobs in the caller's transaction: a CSV import, a webhook delivery.

With tasks.enqueue and tasks.starts, this is what the API may use of `tasks/`: an import's
start, and `delivery_message`, the job of a webhook delivery the API writes or re-sends
(enqueued with tasks.enqueue).

A start is one row written by one named statement, whose returned id names the job enqueued
with it. It is built once (`import_start`) and written by the executor of the caller's
driver: `write` on a psycopg connection (the CLI, benchmarks), `awrite` on the API's
SQLAlchemy AsyncConnection (inside the request's transaction, so RLS applies). Row and job
exist only if that transaction commits.
"""
from collections.abc import Callable
from dataclasses import dataclass

from dramatiq import Message

from bayflow.queries import Query
from pipelines import imports
from pipelines.csv_file import CsvSummary
from tasks.enqueue import enqueue, enqueue_async
from tasks.integration_actors import run_import
from tasks.webhook_actors import delivery_message  # noqa: F401  (the API enqueues deliveries it writes)


@dataclass(frozen=True)
class Start:
    """A row to write (`statement` with `params`, returning its id) and the job that id names."""
    statement: Query
    params: dict
    job: Callable[[str], Message]


def import_start(filename: str, content: bytes, summary: CsvSummary, *, mode: str,
                 source: str = imports.DEFAULT_SOURCE, created_by=None) -> Start:
    """An upload's import and its `run_import` job; ValueError naming a bad mode or source."""
    row = imports.import_row(filename, content, summary, mode=mode, source=source, created_by=created_by)
    return Start(imports.QUERIES.insert_import, row, run_import.message)


def write(conn, start: Start) -> str:
    """Write `start` and enqueue its job in `conn`'s transaction (psycopg); the row's id."""
    row_id = conn.execute(start.statement.psycopg, start.params).fetchone()[0]
    enqueue(conn, start.job(row_id))
    return row_id


async def awrite(conn, start: Start) -> str:
    """The same on an SQLAlchemy AsyncConnection (the API's request transaction)."""
    row_id = (await conn.execute(start.statement.text, start.params)).scalar_one()
    await enqueue_async(conn, start.job(row_id))
    return row_id

