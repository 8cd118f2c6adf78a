"""CSV exports: what they select (`QUERIES.work_orders`, `QUERIES.schedule`, with the columns
they give) and how rows become CSV text.

The work-order export writes exactly the import's columns (pipelines.csv_file), one row
per task (a work order without tasks gets one row), so an exported file re-imports
cleanly: rows are keyed by `source` + `external_id`, or by `id` for work orders made in
bayflow, and tasks by `task_id`.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) is
written with a leading `'` (OWASP's CSV-injection advice); the import removes exactly that
`'` again. Numbers, times and ids are written as they are: they are not text a user typed.
"""
import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from pathlib import Path

from bayflow.queries import load
from pipelines.csv_file import COLUMNS, escape_formula
from pipelines.work_order_records import DEPENDS_SEPARATOR

QUERIES = load(Path(__file__).with_name("sql") / "exports.sql")

WORK_ORDER_COLUMNS = COLUMNS
SCHEDULE_COLUMNS = ["planned_start", "planned_end", "technician", "bay", "work_order_number", "source",
                    "external_id", "work_order_id", "task_id", "task_name", "duration_minutes", "task_status",
                    "technician_id", "bay_id"]


def cell(value) -> str:
    """A value as the import reads it back: ISO 8601 times, true/false, `|`-joined names, text
    escaped against formula injection."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return escape_formula(DEPENDS_SEPARATOR.join(str(v) for v in value))
    if isinstance(value, str):
        return escape_formula(value)
    return str(value)


def csv_text(columns: list[str], rows: Iterable[tuple]) -> str:
    """Header and rows as CSV text (comma, CRLF, quoted when needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if columns:
        writer.writerow(columns)
    writer.writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue()


async def csv_chunks(columns: list[str], rows: AsyncIterator[tuple], rows_per_chunk: int = 500) -> AsyncIterator[bytes]:
    """The CSV as UTF-8 chunks of `rows_per_chunk` rows, header first."""
    yield csv_text(columns, []).encode("utf-8")
    batch = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= rows_per_chunk:
            yield csv_text([], batch).encode("utf-8")
            batch = []
    if batch:
        yield csv_text([], batch).encode("utf-8")
