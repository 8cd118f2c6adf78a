"""Starting the integrations' jobs in the caller's transaction: a CSV import, a webhook delivery.

With tasks.enqueue and tasks.starts, this is what the API may use of `tasks/`: starting an
import, and `delivery_message`, the job of a webhook delivery the API writes or re-sends
(enqueued with tasks.enqueue).

Starting an import writes its `imports` row and enqueues its `run_import` job, so both exist
only if the caller's transaction commits. It is defined once (`_import_start`: the statement,
its parameters and the job its returned id names) and run by the executor of the caller's
driver: `start_import` on a psycopg connection (the CLI, benchmarks), `astart_import` on the
API's SQLAlchemy AsyncConnection (inside the request's transaction, so RLS applies).
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
class _Start:
    """A row to write (`statement` with `params`, returning its id) and the job that id names."""
    statement: Query
    params: dict
    job: Callable[[str], Message]


def _import_start(filename: str, content: bytes, summary: CsvSummary, mode: str, source: str, created_by) -> _Start:
    row = imports.import_row(filename, content, summary, mode=mode, source=source, created_by=created_by)
    return _Start(imports.QUERIES.insert_import, row, run_import.message)


def _write(conn, start: _Start) -> str:
    row_id = conn.execute(start.statement.psycopg, start.params).fetchone()[0]
    enqueue(conn, start.job(row_id))
    return row_id


async def _awrite(conn, start: _Start) -> str:
    row_id = (await conn.execute(start.statement.text, start.params)).scalar_one()
    await enqueue_async(conn, start.job(row_id))
    return row_id


def start_import(conn, filename: str, content: bytes, summary: CsvSummary, *, mode: str,
                 source: str = imports.DEFAULT_SOURCE, created_by=None) -> str:
    """Write the import and enqueue its job in `conn`'s transaction (psycopg); its id.
    ValueError names a mode or source that cannot be."""
    return _write(conn, _import_start(filename, content, summary, mode, source, created_by))


async def astart_import(conn, filename: str, content: bytes, summary: CsvSummary, *, mode: str,
                        source: str = imports.DEFAULT_SOURCE, created_by=None) -> str:
    """The same on an SQLAlchemy AsyncConnection (the API's request transaction)."""
    return await _awrite(conn, _import_start(filename, content, summary, mode, source, created_by))
