"""CSV imports in tests: a work-orders CSV writer, and the import step run the way its actor runs it."""
import csv
import io

from pipelines import imports
from tasks.starts import enqueue_work_order_flows


def work_orders_csv(rows: list[dict], delimiter: str = ",") -> bytes:
    """A CSV with the union of the rows' keys as its header, in first-seen order."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run_import(import_id: str, **options) -> str:
    """What the `run_import` actor does: the import step, starting the pipelines of what it wrote."""
    return imports.run_import(import_id, start_flows=enqueue_work_order_flows, **options)
