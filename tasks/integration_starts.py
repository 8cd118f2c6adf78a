"""Starting the integrations' jobs in the caller's transaction: a CSV import, a webhook delivery.

With tasks.enqueue and tasks.starts, this is what the API may use of `tasks/`: starting an
import, and `delivery_message`, the job of a webhook delivery the API writes or re-sends
(enqueued with tasks.enqueue).

Starting an import writes its `imports` row and enqueues its `run_import` job, so both exist
only if the caller's transaction commits. It is defined once (`_import_start`, a `tasks.drivers`
unit) and run by the caller's driver: `start_import` on a psycopg connection (the CLI,
benchmarks), `astart_import` on the API's SQLAlchemy AsyncConnection (inside the request's
transaction, so RLS applies).
"""
from pipelines import imports
from pipelines.csv_file import CsvSummary
from tasks.drivers import Unit, arun, run
from tasks.enqueue import enqueue_job
from tasks.integration_actors import run_import
from tasks.webhook_actors import delivery_message  # noqa: F401  (the API enqueues deliveries it writes)


def _import_start(filename: str, content: bytes, summary: CsvSummary, mode: str, source: str,
                  created_by) -> Unit[str]:
    """Write the import's row and enqueue the job its id names; the id."""
    row = imports.import_row(filename, content, summary, mode=mode, source=source, created_by=created_by)
    (import_id,) = yield imports.QUERIES.insert_import, row
    yield from enqueue_job(run_import.message(import_id))
    return import_id


def start_import(conn, filename: str, content: bytes, summary: CsvSummary, *, mode: str,
                 source: str = imports.DEFAULT_SOURCE, created_by=None) -> str:
    """Write the import and enqueue its job in `conn`'s transaction (psycopg); its id.
    ValueError names a mode or source that cannot be."""
    return run(conn, _import_start(filename, content, summary, mode, source, created_by))


async def astart_import(conn, filename: str, content: bytes, summary: CsvSummary, *, mode: str,
                        source: str = imports.DEFAULT_SOURCE, created_by=None) -> str:
    """The same on an SQLAlchemy AsyncConnection (the API's request transaction)."""
    return await arun(conn, _import_start(filename, content, summary, mode, source, created_by))
