"""`bayflow import FILE.csv`: the same import as `POST /v1/imports`, straight against the database.

The file is checked, stored and its import enqueued in one transaction as the database
owner; a worker (`bayflow worker`) runs it while this command shows its progress.
"""
import sys
import time
from pathlib import Path

from bayflow.cli import CommandError
from bayflow.paths import SQL
from bayflow.queries import load

POLL_S = 0.25
NO_WORKER_HINT_S = 10.0
ERRORS_SHOWN = 20


def register(subparsers) -> None:
    parser = subparsers.add_parser("import", help="import work orders (and tasks) from a CSV file")
    parser.add_argument("file", type=Path, help="CSV file (format: docs/csv-format.md)")
    parser.add_argument("--mode", choices=("all_or_nothing", "good_rows"), default="all_or_nothing",
                        help="all_or_nothing (default): any bad row rejects the file; good_rows: import the good rows")
    parser.add_argument("--source", default="csv", help="source of rows without a `source` column (default: csv)")
    parser.add_argument("--no-wait", action="store_true", help="enqueue the import and print its id without waiting")
    parser.set_defaults(func=run_import)


def run_import(args) -> int:
    from bayflow.database import connect
    from pipelines.csv_file import CsvFileError
    from pipelines.imports import UploadTooLarge, check_upload
    from tasks.integration_starts import start_import

    try:
        content = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from None
    try:
        summary = check_upload(content)
    except (UploadTooLarge, CsvFileError) as exc:
        line = f" (line {exc.line})" if getattr(exc, "line", None) else ""
        raise CommandError(f"{args.file}{line}: {exc}") from None
    for column in summary.unknown_columns:
        print(f"warning: unknown column {column!r} is ignored", file=sys.stderr)
    with connect() as conn:
        try:
            import_id = start_import(conn, args.file.name, content, summary, mode=args.mode, source=args.source)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    print(f"import {import_id}: {summary.rows} rows queued ({args.mode})")
    if args.no_wait:
        return 0
    return _follow(import_id)


QUERIES = load(SQL / "commands.sql")


def _follow(import_id: str) -> int:
    from bayflow.database import connect

    bar = ProgressBar(sys.stderr)
    started = time.monotonic()
    hinted = False
    with connect(autocommit=True) as conn:
        while True:
            (status, rows, invalid, total, written, created, updated, unchanged, error_count,
             errors) = conn.execute(QUERIES.import_status.psycopg, {"id": import_id}).fetchone()
            bar.show(status, written, total)
            if status in ("done", "rejected", "failed"):
                break
            if status == "queued" and not hinted and time.monotonic() - started > NO_WORKER_HINT_S:
                bar.note("still queued: is a worker running (`bayflow worker`)?")
                hinted = True
            time.sleep(POLL_S)
    bar.close()
    print(f"{status}: {created} created, {updated} updated, {unchanged} unchanged; "
          f"{invalid} of {rows} rows invalid")
    for error in errors[:ERRORS_SHOWN]:
        where = ", ".join(part for part in (error["line"] and f"line {error['line']}",
                                            error["column"] and f"column {error['column']}") if part)
        print(f"  {where or 'file'}: {error['message']}")
    if error_count > ERRORS_SHOWN:
        print(f"  ... {error_count - ERRORS_SHOWN} more (GET /v1/imports/{import_id})")
    return 0 if status == "done" and error_count == 0 else 1


class ProgressBar:
    """One status line redrawn in place on a terminal; a line per change otherwise."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = None

    def show(self, status: str, done: int, total: int | None) -> None:
        if total:
            filled = round(self.WIDTH * min(done, total) / total)
            line = f"{status:<10} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} work orders"
        else:
            line = f"{status:<10}"
        if line == self.last:
            return
        self.last = line
        self.stream.write(f"\r{line}\033[K" if self.tty else f"{line}\n")
        self.stream.flush()

    def note(self, message: str) -> None:
        self.stream.write(f"\n{message}\n" if self.tty else f"{message}\n")

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()
