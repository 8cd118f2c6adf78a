"""The CSV import pipeline: store the upload, then validate and write it.

`check_upload` answers at once what can be known at upload (size, encoding, header,
row count); `import_row` is the `imports` row that `QUERIES.insert_import` writes, and
tasks.integration_starts writes it and enqueues its job in the caller's transaction (the
CLI's psycopg connection, the API's request). `run_import` (the actor's step) validates
every row (pipelines.csv_file), then writes the work orders through
`bayflow.upsert_work_order`, a batch per statement; each call is atomic, so a work order is
written whole or not at all:
- all_or_nothing: any invalid row rejects the file; all work orders are written in one
  transaction, and a database refusal of one rolls everything back;
- good_rows: invalid rows are reported and skipped; batches commit as they go.
The changed work orders then enter the work-order pipeline (through the `start_flows`
the actor passes) in the transaction that marks the import done, so the batch is
scheduled once.
"""
import logging
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from bayflow.config import Settings, settings
from bayflow.database import connect
from bayflow.queries import load
from pipelines.csv_file import CsvFileError, CsvSummary, TooManyRows, inspect_csv, parse_csv
from pipelines.work_order_records import DateRules, RowError, WorkOrderRecord

log = logging.getLogger(__name__)

QUERIES = load(Path(__file__).with_name("sql") / "imports.sql")
MODES = ("all_or_nothing", "good_rows")
DEFAULT_SOURCE = "csv"
ACTOR = "worker:run_import"
FINISHED = ("done", "rejected", "failed")
MAX_ERRORS_KEPT = 1000


class UploadTooLarge(Exception):
    """The file is over a configured limit (size or rows): HTTP 413."""


def check_upload(content: bytes, limits: Settings | None = None) -> CsvSummary:
    """The file's summary; UploadTooLarge or CsvFileError naming what is wrong."""
    limits = limits or settings()
    if len(content) > limits.bayflow_import_max_bytes:
        raise UploadTooLarge(f"the file is {len(content)} bytes; the limit is {limits.bayflow_import_max_bytes}"
                             " (BAYFLOW_IMPORT_MAX_BYTES)")
    try:
        return inspect_csv(content, max_rows=limits.bayflow_import_max_rows)
    except TooManyRows as exc:
        raise UploadTooLarge(f"{exc} (BAYFLOW_IMPORT_MAX_ROWS)") from None


def import_row(filename: str, content: bytes, summary: CsvSummary, *, mode: str, source: str = DEFAULT_SOURCE,
               created_by=None) -> dict:
    """The parameters of `QUERIES.insert_import` for an upload; ValueError naming a mode or
    source that cannot be."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not source.strip():
        raise ValueError("source must not be blank")
    return {"filename": filename[:255] or "upload.csv", "source": source.strip(), "mode": mode, "content": content,
            "size": len(content), "rows": summary.rows, "created_by": str(created_by) if created_by else None}


# ---------------------------------------------------------------- the pipeline step

def date_rules(conn) -> DateRules:
    row = conn.execute(QUERIES.shop_date_rules.psycopg).fetchone()
    return DateRules(*row) if row else DateRules()


# (psycopg connection, work order ids, triggered_by): start their work-order pipelines in that transaction.
StartFlows = Callable[..., list[str]]


def run_import(import_id: str, *, start_flows: StartFlows, url: str | None = None) -> str:
    """Validate and write one import; its final status. Safe to re-run: writes are upserts, and
    what earlier attempts wrote is in `import_work_orders`. `start_flows(conn, ids, triggered_by=...)`
    starts the pipelines of the work orders it changed, in the transaction that marks it done."""
    with connect(url) as conn, connect(url, autocommit=True) as progress:
        with conn.transaction():
            row = conn.execute(QUERIES.lock_import.psycopg, {"id": import_id}).fetchone()
            if row is None or row[0] in FINISHED:
                return row[0] if row else "missing"
            status, mode, source, content, created_by = row
            conn.execute(QUERIES.mark_validating.psycopg, {"id": import_id})
            rules = date_rules(conn)
        try:
            parsed = parse_csv(bytes(content), rules, default_source=source,
                               max_rows=settings().bayflow_import_max_rows)
        except CsvFileError as exc:
            return _finish(conn, import_id, "rejected", errors=[exc.as_row_error()], rows_invalid=0)
        with conn.transaction():
            conn.execute(QUERIES.mark_writing.psycopg, {
                "rows_total": parsed.summary.rows, "rows_invalid": parsed.invalid_lines,
                "work_orders_total": len(parsed.records) + parsed.invalid_work_orders,
                "warnings": Jsonb([w.as_dict() for w in parsed.warnings]), "id": import_id})
        if parsed.errors and mode == "all_or_nothing":
            return _finish(conn, import_id, "rejected", errors=parsed.errors, rows_invalid=parsed.invalid_lines)
        for record in parsed.records:
            if created_by:
                record.values["created_by"] = created_by
        return _write(conn, progress, import_id, mode, parsed.records, parsed.errors, parsed.invalid_lines,
                      start_flows)


class _Rejected(Exception):
    """all_or_nothing: the database refused a work order; the whole file is rolled back."""


def _write(conn, progress, import_id: str, mode: str, records: list[WorkOrderRecord],
           errors: list[RowError], rows_invalid: int, start_flows: StartFlows) -> str:
    """Batches of work orders, each batch in one statement; if the database refuses one of them,
    that batch again one work order per savepoint, to name it and (good_rows) keep the others."""
    batch = settings().bayflow_import_batch_size
    written = refused = 0
    whole = conn.transaction() if mode == "all_or_nothing" else nullcontext()
    try:
        with whole:
            for start in range(0, len(records), batch):
                part = records[start:start + batch]
                with conn.transaction():  # all_or_nothing: a savepoint of the whole file's transaction
                    conn.execute(QUERIES.set_actor.psycopg, {"actor": ACTOR})
                    outcomes = _upsert_batch(conn, part)
                    if outcomes is None:
                        outcomes = []
                        for record in part:
                            outcome, error = _upsert(conn, record)
                            if error is None:
                                outcomes.append(outcome)
                                continue
                            errors.append(error)
                            refused += 1
                            rows_invalid += len(record.lines)
                            if mode == "all_or_nothing":
                                raise _Rejected()
                    _remember(conn, import_id, outcomes)
                written += len(outcomes)  # refused work orders are not written
                _report_progress(progress, import_id, written)
            if mode == "all_or_nothing":
                return _finish(conn, import_id, "done", errors=errors, rows_invalid=rows_invalid, refused=refused,
                               start_flows=start_flows)
    except _Rejected:
        return _finish(conn, import_id, "rejected", errors=errors, rows_invalid=rows_invalid, refused=refused)
    return _finish(conn, import_id, "done", errors=errors, rows_invalid=rows_invalid, refused=refused,
                   start_flows=start_flows)


def _upsert_batch(conn, records: list[WorkOrderRecord]) -> list[tuple[str, str]] | None:
    """(work order id, outcome) of each record, in one round trip; None, with nothing written, if one is refused."""
    try:
        with conn.transaction():
            return conn.execute(QUERIES.upsert_work_orders.psycopg,
                                {"docs": [Jsonb(r.as_json()) for r in records]}).fetchall()
    except (psycopg.errors.IntegrityError, psycopg.errors.DataError):
        return None


def _upsert(conn, record: WorkOrderRecord) -> tuple[tuple[str, str] | None, RowError | None]:
    """One work order in a savepoint: written whole or not at all."""
    try:
        with conn.transaction():
            return conn.execute(QUERIES.upsert_work_order.psycopg, {"doc": Jsonb(record.as_json())}).fetchone(), None
    except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
        return None, RowError(record.line, exc.diag.column_name or None, exc.diag.message_primary or str(exc))


def _remember(conn, import_id: str, outcomes: list[tuple[str, str]]) -> None:
    """What this import did to each work order; the first outcome stays (a retried import finds
    its own earlier writes unchanged)."""
    conn.execute(QUERIES.remember_outcomes.psycopg, {
        "import_id": import_id, "work_order_ids": [w for w, _ in outcomes], "outcomes": [o for _, o in outcomes]})


def _report_progress(progress, import_id: str, written: int) -> None:
    """Seen by GET /v1/imports/{id} at once (its own connection: all_or_nothing writes are not committed yet)."""
    progress.execute(QUERIES.report_progress.psycopg, {"written": written, "id": import_id})


def _finish(conn, import_id: str, status: str, *, errors: list[RowError], rows_invalid: int, refused: int = 0,
            start_flows: StartFlows | None = None) -> str:
    """Record the outcome; for a done import, start the changed work orders' pipelines in the same transaction."""
    errors = sorted(errors, key=lambda e: e.line or 0)
    with conn.transaction():
        conn.execute(QUERIES.set_actor.psycopg, {"actor": ACTOR})
        created, updated, unchanged = conn.execute(QUERIES.finish_import.psycopg, {
            "status": status, "rows_invalid": rows_invalid, "refused": refused, "error_count": len(errors),
            "errors": Jsonb([e.as_dict() for e in errors[:MAX_ERRORS_KEPT]]), "id": import_id}).fetchone()
        if status == "done" and created + updated:
            changed = [w for (w,) in conn.execute(QUERIES.changed_work_orders.psycopg, {"id": import_id}).fetchall()]
            start_flows(conn, changed, triggered_by=f"import:{import_id}")
    log.info("import %s %s: %s created, %s updated, %s unchanged, %s errors", import_id, status,
             created, updated, unchanged, len(errors))
    return status


def mark_failed(import_id: str, reason: str, *, url: str | None = None) -> None:
    """The job died for good (dead-lettered): say so instead of leaving the import running."""
    with connect(url) as conn:
        _finish(conn, import_id, "failed", errors=[RowError(None, None, reason)], rows_invalid=0)
