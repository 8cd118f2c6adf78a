"""CSV exports: what they select and how rows become CSV text.

The work-order export writes exactly the import's columns (pipelines.csv_rows), one row
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

from pipelines.csv_rows import COLUMNS, DEPENDS_SEPARATOR, escape_formula

WORK_ORDER_COLUMNS = COLUMNS

# Filters as GET /v1/work_orders: status, due_from, due_to, assignee.
WORK_ORDERS_SQL = """
select w.source, w.external_id, w.id, w.description, w.priority, w.due_at, w.customer_name, w.customer_phone,
       w.customer_email, w.asset_kind, w.asset_make, w.asset_model, w.asset_year, w.vin, w.plate, w.mileage,
       t.id, t.name, t.duration_minutes, t.required_skill, t.required_bay_type, t.needs_parts, t.parts_ready_at,
       (select array_agg(u.name order by u.position, u.created_at)
          from public.task_dependencies d join public.tasks u on u.id = d.depends_on_task_id
         where d.task_id = t.id),
       t.notes
  from public.work_orders w
  left join public.tasks t on t.work_order_id = w.id
 where (cast(:status as text[]) is null or w.status = any(cast(:status as text[])))
   and (cast(:due_from as timestamptz) is null or w.due_at >= :due_from)
   and (cast(:due_to as timestamptz) is null or w.due_at < :due_to)
   and (cast(:assignee as uuid) is null or exists (
     select from public.tasks a where a.work_order_id = w.id and a.assigned_technician_id = :assignee))
 order by w.number, t.position, t.created_at
"""

SCHEDULE_COLUMNS = ["planned_start", "planned_end", "technician", "bay", "work_order_number", "source",
                    "external_id", "work_order_id", "task_id", "task_name", "duration_minutes", "task_status",
                    "technician_id", "bay_id"]

SCHEDULE_SQL = """
select t.planned_start, t.planned_end, tech.name, b.name, w.number, w.source, w.external_id, w.id, t.id, t.name,
       t.duration_minutes, t.status, t.assigned_technician_id, t.bay_id
  from public.tasks t
  join public.work_orders w on w.id = t.work_order_id
  left join public.technicians tech on tech.id = t.assigned_technician_id
  left join public.bays b on b.id = t.bay_id
 where t.planned_start < :end and t.planned_end > :start
   and (cast(:assignee as uuid) is null or t.assigned_technician_id = :assignee)
 order by t.planned_start, tech.name nulls last, t.id
"""


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
