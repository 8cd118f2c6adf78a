"""Reading a work-order CSV file (pure: no database). The format is in docs/csv-format.md.

`inspect_csv` checks what can be known about a file at upload (encoding, delimiter, header,
row count); `parse_csv` turns every row into a validated work-order record
(pipelines.work_order_records) or into errors naming the line and column. Rows sharing a
work order key (`source` + `external_id`, else `id`) are one work order with one task per
row. Cells a spreadsheet would run as formulas are escaped on export and un-escaped here.
"""
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipelines.work_order_records import (
    TASK_FIELDS,
    WORK_ORDER_FIELDS,
    DateRules,
    RowError,
    TaskRecord,
    WorkOrderRecord,
    convert_fields,
    task_graph_errors,
    task_rules,
)

DELIMITERS = (",", ";", "\t")
TASK_PREFIX = "task_"
# The file's columns, in export order: the work-order fields, then the task fields prefixed.
COLUMNS = [*WORK_ORDER_FIELDS, *(TASK_PREFIX + name for name in TASK_FIELDS)]


class CsvFileError(Exception):
    """The file as a whole cannot be read: wrong encoding, no usable header, too many rows."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.line = line
        self.column = column

    def as_row_error(self) -> RowError:
        return RowError(self.line, self.column, str(self))


class TooManyRows(CsvFileError):
    """More data rows than one import may have."""


# ---- spreadsheet formula escaping (OWASP CSV injection) ----

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_ESCAPE = "'"


def needs_escape(text: str) -> bool:
    """True for a formula start, and for text that already looks escaped (`'=...`, `''=...`), so
    that un-escaping an exported cell always gives back exactly the text that was exported."""
    stripped = text.lstrip(FORMULA_ESCAPE)
    return stripped.startswith(FORMULA_STARTS)


def escape_formula(text: str) -> str:
    """Text as an export writes it: a formula start gets a leading `'` (a spreadsheet shows the text)."""
    return FORMULA_ESCAPE + text if needs_escape(text) else text


def unescape_formula(text: str) -> str:
    """What `escape_formula` wrote, back to the original text; any other text unchanged."""
    return text[1:] if text.startswith(FORMULA_ESCAPE) and needs_escape(text[1:]) else text


def normalize_column(name: str) -> str:
    """`' Due At '` and `'due-at'` -> `'due_at'`: headers match case- and space-insensitively."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


@dataclass
class CsvSummary:
    delimiter: str
    columns: list[str]            # normalized header, in file order
    unknown_columns: list[str]    # as written in the file
    rows: int                     # data rows (blank lines not counted)


@dataclass
class ParsedFile:
    summary: CsvSummary
    records: list[WorkOrderRecord]
    errors: list[RowError]
    warnings: list[RowError]
    invalid_lines: int
    invalid_work_orders: int


# ---- reading the file ----

def decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CsvFileError(f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                           "save it as CSV UTF-8", line=line) from None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header line most: comma, semicolon or tab."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of each non-blank record; quoted fields may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    last_line = 0
    while True:
        start = last_line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvFileError(f"malformed CSV: {exc}", line=start) from None
        last_line = reader.line_num
        if fields and any(f.strip() for f in fields):
            yield start, fields


def _header(fields: list[str]) -> tuple[list[str], list[str]]:
    columns = [normalize_column(f) for f in fields]
    seen: dict[str, int] = {}
    for position, name in enumerate(columns):
        if name and name in seen:
            raise CsvFileError(f"column {name!r} appears twice in the header", line=1, column=fields[position])
        seen[name] = position
    if "description" not in seen:
        raise CsvFileError("the header has no description column (found: "
                           f"{', '.join(f for f in fields if f.strip()) or 'nothing'})", line=1)
    if "external_id" not in seen and "id" not in seen:
        raise CsvFileError("the header needs an external_id column (or the id column of an export)", line=1)
    unknown = [fields[i] if fields[i].strip() else f"(unnamed column {i + 1})"
               for i, name in enumerate(columns) if name not in COLUMNS]
    return columns, unknown


def inspect_csv(data: bytes, *, max_rows: int) -> CsvSummary:
    """Check encoding, header and row count; raise CsvFileError naming the problem."""
    text = decode(data)
    delimiter = sniff_delimiter(text)
    records = _records(text, delimiter)
    first = next(records, None)
    if first is None:
        raise CsvFileError("the file is empty: expected a header row and at least one row", line=1)
    columns, unknown = _header(first[1])
    rows = 0
    for _ in records:
        rows += 1
        if rows > max_rows:
            raise TooManyRows(f"the file has more than {max_rows} rows (the limit of one import)")
    if rows == 0:
        raise CsvFileError("the file has a header but no rows", line=2)
    return CsvSummary(delimiter, columns, unknown, rows)


def parse_csv(data: bytes, rules: DateRules, *, default_source: str, max_rows: int) -> ParsedFile:
    """Every row validated; rows of one work order grouped. Raises CsvFileError for file-level problems."""
    summary = inspect_csv(data, max_rows=max_rows)
    text = decode(data)
    records = _records(text, summary.delimiter)
    next(records)  # the header
    columns = summary.columns
    known = [(i, name) for i, name in enumerate(columns) if name in COLUMNS]
    present = (tuple(name for name in WORK_ORDER_FIELDS if name in columns),
               tuple(name for name in TASK_FIELDS if TASK_PREFIX + name in columns))
    warnings = [RowError(1, name, "unknown column, ignored (see docs/csv-format.md for the columns)")
                for name in summary.unknown_columns]
    errors: list[RowError] = []
    groups: dict[tuple, _Group] = {}
    bad_keys: set[tuple] = set()
    invalid_lines = unkeyed = 0
    for line, fields in records:
        if len(fields) != len(columns):
            row_errors = [RowError(line, None, f"the row has {len(fields)} fields but the header has {len(columns)}"
                                   " (check quoting and the delimiter)")]
            key = None
        else:
            cells = {name: unescape_formula(fields[i].strip()) for i, name in known}
            key, row_errors = _add_row(groups, line, cells, rules, default_source, present)
        if row_errors:
            invalid_lines += 1
            errors.extend(row_errors)
            if key is not None:
                bad_keys.add(key)
            else:
                unkeyed += 1
    for key, group in groups.items():
        if key not in bad_keys:
            group_errors = task_graph_errors(group.record.tasks or [], TASK_PREFIX)
            if group_errors:
                invalid_lines += len({e.line for e in group_errors})
                errors.extend(group_errors)
                bad_keys.add(key)
    valid = [g.record for k, g in groups.items() if k not in bad_keys]
    errors.sort(key=lambda e: (e.line or 0))
    return ParsedFile(summary, valid, errors, warnings, invalid_lines, len(bad_keys) + unkeyed)


@dataclass
class _Group:
    """The rows of one work order seen so far."""
    record: WorkOrderRecord
    origin: dict  # work-order field -> line that set it


def _add_row(groups: dict, line: int, cells: dict, rules: DateRules, default_source: str,
             present: tuple[tuple[str, ...], tuple[str, ...]]) -> tuple[tuple | None, list[RowError]]:
    values, errors = convert_fields(WORK_ORDER_FIELDS, cells, "", rules, line)
    values.setdefault("source", default_source)
    task_values, task_errors = convert_fields(TASK_FIELDS, cells, TASK_PREFIX, rules, line)
    errors += task_errors
    has_task = any(cells.get(TASK_PREFIX + name) for name in TASK_FIELDS)
    if has_task:
        errors += task_rules(task_values, task_errors, line, TASK_PREFIX)
    if not values.get("external_id") and not values.get("id") and "id" not in {e.column for e in errors}:
        errors.append(RowError(line, "external_id", "required: the key that makes re-imports update this work order"))
        return None, errors
    record = WorkOrderRecord(line, values, lines=[line], present=present[0])
    key = record.key if (values.get("external_id") or values.get("id")) else None
    group = groups.get(key)
    if group is None:
        if "description" not in values and "description" not in {e.column for e in errors}:
            errors.append(RowError(line, "description", "required"))
        group = groups[key] = _Group(record, {name: line for name in values})
    else:
        for name, value in values.items():
            if name in group.origin and group.record.values[name] != value:
                errors.append(RowError(line, name, f"differs from line {group.origin[name]} of the same work order"))
            elif name not in group.origin:
                group.record.values[name] = value
                group.origin[name] = line
        group.record.lines.append(line)
    if has_task:
        group.record.tasks = (group.record.tasks or []) + [TaskRecord(line, task_values, present[1])]
    return key, errors
