"""Reading and validating work-order CSV files (pure: no database). The format is in docs/csv-format.md.

`inspect_csv` checks what can be known about a file at upload (encoding, header, row
count); `parse_csv` turns every row into a validated `WorkOrderRecord` or into errors
naming the line and column. Rows sharing a work order key (`source` + `external_id`,
else `id`) are one work order with one task per row. The same field rules validate the
JSON work orders of inbound webhooks (`record_from_json`).
"""
import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

DELIMITERS = (",", ";", "\t")
TASK_PREFIX = "task_"
DEPENDS_SEPARATOR = "|"
INT4_MAX = 2_147_483_647  # Postgres `integer`
MAX_ERRORS_KEPT = 1000


class CsvFileError(Exception):
    """The file as a whole cannot be read: wrong encoding, no usable header, too many rows."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.line = line
        self.column = column

    def as_row_error(self) -> "RowError":
        return RowError(self.line, self.column, str(self))


class TooManyRows(CsvFileError):
    """More data rows than one import may have."""


@dataclass(frozen=True)
class RowError:
    line: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class DateRules:
    """How the shop writes dates: `shop_settings.local_date_format` and `.timezone`."""
    local_format: str = "DD/MM/YYYY"
    timezone: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


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


# ---- field converters: text -> value, ValueError(message) when the text is not valid ----

def _text(value: str) -> str:
    return value


def _integer(low: int, high: int | None) -> Callable[[str], int]:
    def convert(value: str) -> int:
        try:
            number = int(value.replace(" ", "").replace("_", ""))
        except ValueError:
            raise ValueError(f"not a whole number: {value!r}") from None
        if number < low or (high is not None and number > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"must be {bounds}, got {number}")
        return number
    return convert


def _choice(*options: str) -> Callable[[str], str]:
    def convert(value: str) -> str:
        lowered = value.lower()
        if lowered not in options:
            raise ValueError(f"must be one of {', '.join(options)}, got {value!r}")
        return lowered
    return convert


def _email(value: str) -> str:
    if "@" not in value or any(c.isspace() for c in value):
        raise ValueError(f"not an email address: {value!r}")
    return value


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"not a UUID: {value!r}") from None


_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0"}


def _boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"must be true or false (yes/no, 1/0), got {value!r}")


_BAY_TYPE = re.compile(r"^[a-z][a-z0-9_-]*$")


def _bay_type(value: str) -> str:
    if not _BAY_TYPE.match(value):
        raise ValueError(f"a bay type is lower-case letters, digits, - and _ starting with a letter, got {value!r}")
    return value


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(DEPENDS_SEPARATOR) if name.strip()]


_LOCAL_PATTERNS = {
    "DD/MM/YYYY": (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})"), ("day", "month", "year")),
    "MM/DD/YYYY": (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})"), ("month", "day", "year")),
    "DD.MM.YYYY": (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})"), ("day", "month", "year")),
}
_TIME = re.compile(r"^(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_datetime(value: str, rules: DateRules) -> datetime:
    """ISO 8601 or the shop's local format (with an optional ` HH:MM[:SS]`).

    A time without an offset is the shop's local time; a date alone is 00:00 local time.
    """
    zone = rules.zone
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _parse_local(value, rules)
    if isinstance(parsed, date) and not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, time())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def _parse_local(value: str, rules: DateRules) -> datetime:
    expected = f"expected ISO 8601 (2026-11-26 or 2026-11-26T14:30) or {rules.local_format} [HH:MM]"
    pattern, order = _LOCAL_PATTERNS[rules.local_format]
    match = pattern.match(value)
    clock = _TIME.match(value[match.end():]) if match else None
    if not match or not clock:
        raise ValueError(f"not a date: {value!r}; {expected}")
    parts = dict(zip(order, (int(g) for g in match.groups())))
    hour, minute, second = (int(g) if g else 0 for g in clock.groups())
    try:
        return datetime(parts["year"], parts["month"], parts["day"], hour, minute, second)
    except ValueError as exc:
        raise ValueError(f"not a valid date: {value!r} ({exc}); {expected}") from None


_DATETIME = object()  # marker: converted with the shop's DateRules

# Work-order fields, in export order. `description` is required; the key is
# `external_id` (with `source`) or `id`.
WORK_ORDER_FIELDS: dict[str, Callable | object] = {
    "source": _text,
    "external_id": _text,
    "id": _uuid,
    "description": _text,
    "priority": _integer(1, 5),
    "due_at": _DATETIME,
    "customer_name": _text,
    "customer_phone": _text,
    "customer_email": _email,
    "asset_kind": _choice("vehicle", "equipment"),
    "asset_make": _text,
    "asset_model": _text,
    "asset_year": _integer(1900, 2100),
    "vin": _text,
    "plate": _text,
    "mileage": _integer(0, INT4_MAX),
}
# Task fields; CSV columns carry the `task_` prefix. `name` and `duration_minutes` are required.
TASK_FIELDS: dict[str, Callable | object] = {
    "id": _uuid,
    "name": _text,
    "duration_minutes": _integer(1, 10080),
    "required_skill": _text,
    "required_bay_type": _bay_type,
    "needs_parts": _boolean,
    "parts_ready_at": _DATETIME,
    "depends_on": _names,
    "notes": _text,
}
COLUMNS = [*WORK_ORDER_FIELDS, *(TASK_PREFIX + name for name in TASK_FIELDS)]


def _convert(converter, text: str, rules: DateRules):
    if "\x00" in text:  # Postgres text cannot store it
        raise ValueError("must not contain a NUL character (U+0000)")
    return parse_datetime(text, rules) if converter is _DATETIME else converter(text)


def normalize_column(name: str) -> str:
    """`' Due At '` and `'due-at'` -> `'due_at'`: headers match case- and space-insensitively."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


@dataclass
class TaskRecord:
    line: int
    values: dict
    present: tuple[str, ...] = ()  # fields given (a given but empty field clears the value)

    @property
    def name(self) -> str:
        return self.values["name"]


@dataclass
class WorkOrderRecord:
    """One work order to create or update, with the tasks its rows list (None: tasks not given)."""
    line: int
    values: dict
    tasks: list[TaskRecord] | None = None
    lines: list[int] = field(default_factory=list)
    present: tuple[str, ...] = ()  # fields given (a given but empty field clears the value)

    @property
    def key(self) -> tuple:
        if self.values.get("external_id"):
            return ("external_id", self.values["source"], self.values["external_id"])
        return ("id", self.values.get("id"))

    def as_json(self) -> dict:
        """The document `bayflow.upsert_work_order(jsonb)` takes."""
        doc = _document(self.present, self.values)
        if self.tasks is not None:
            doc["tasks"] = [_document(task.present, task.values) for task in self.tasks]
        return doc


def _document(present: tuple[str, ...], values: dict) -> dict:
    doc = dict.fromkeys(present)
    doc.update(values)
    return {name: _jsonable(value) for name, value in doc.items()}


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value


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
            group_errors = group.check()
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

    def check(self) -> list[RowError]:
        tasks = self.record.tasks or []
        errors = []
        by_name: dict[str, TaskRecord] = {}
        for task in tasks:
            if task.name in by_name:
                errors.append(RowError(task.line, "task_name",
                                       f"task {task.name!r} is listed twice for this work order "
                                       f"(also line {by_name[task.name].line})"))
            by_name.setdefault(task.name, task)
        for task in tasks:
            for name in task.values.get("depends_on") or []:
                if name == task.name:
                    errors.append(RowError(task.line, "task_depends_on", "a task cannot depend on itself"))
                elif name not in by_name:
                    errors.append(RowError(task.line, "task_depends_on",
                                           f"no task named {name!r} in this work order"))
        if not errors:
            cycle = _cycle(tasks)
            if cycle:
                errors.append(RowError(cycle[0].line, "task_depends_on",
                                       "dependencies form a cycle: " + " -> ".join(t.name for t in cycle)))
        return errors


def _cycle(tasks: list[TaskRecord]) -> list[TaskRecord] | None:
    by_name = {t.name: t for t in tasks}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    path: list[TaskRecord] = []

    def visit(task: TaskRecord) -> list[TaskRecord] | None:
        state[task.name] = 1
        path.append(task)
        for name in task.values.get("depends_on") or []:
            if state.get(name) == 1:
                return path[[t.name for t in path].index(name):] + [by_name[name]]
            if name not in state:
                found = visit(by_name[name])
                if found:
                    return found
        path.pop()
        state[task.name] = 2
        return None

    for task in tasks:
        if task.name not in state:
            found = visit(task)
            if found:
                return found
    return None


def _convert_fields(specs: dict, cells: dict, prefix: str, rules: DateRules,
                    line: int) -> tuple[dict, list[RowError]]:
    values, errors = {}, []
    for name, converter in specs.items():
        text = cells.get(prefix + name, "")
        if text == "":
            continue
        try:
            values[name] = _convert(converter, text, rules)
        except ValueError as exc:
            errors.append(RowError(line, prefix + name, str(exc)))
    return values, errors


def _add_row(groups: dict, line: int, cells: dict, rules: DateRules, default_source: str,
             present: tuple[tuple[str, ...], tuple[str, ...]]) -> tuple[tuple | None, list[RowError]]:
    values, errors = _convert_fields(WORK_ORDER_FIELDS, cells, "", rules, line)
    values.setdefault("source", default_source)
    task_values, task_errors = _convert_fields(TASK_FIELDS, cells, TASK_PREFIX, rules, line)
    errors += task_errors
    has_task = any(cells.get(TASK_PREFIX + name) for name in TASK_FIELDS)
    if has_task:
        errors += _task_rules(task_values, task_errors, line, TASK_PREFIX)
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


def _task_rules(values: dict, conversion_errors: list[RowError], line: int, prefix: str) -> list[RowError]:
    """Rules across task fields: name and duration required, a parts ETA implies needs_parts."""
    failed = {e.column for e in conversion_errors}
    errors = []
    for required in ("name", "duration_minutes"):
        if required not in values and prefix + required not in failed:
            errors.append(RowError(line, prefix + required, "required for a task"))
    if "parts_ready_at" in values:
        if values.get("needs_parts") is False:
            errors.append(RowError(line, prefix + "needs_parts", "is false but a parts_ready_at is given"))
        values["needs_parts"] = True
    return errors


def record_from_json(data: dict, rules: DateRules, *, source: str) -> tuple[WorkOrderRecord | None, list[RowError]]:
    """A work order of an inbound webhook (CSV column names; `tasks` a list of objects with the
    task field names): the same rules as a CSV row. Errors name fields like `tasks[1].name`."""
    if not isinstance(data, dict):
        return None, [RowError(None, "data", "must be an object")]
    errors = [RowError(None, name, "unknown field") for name in data
              if name not in WORK_ORDER_FIELDS and name != "tasks"]
    cells = {name: _json_text(data.get(name)) for name in WORK_ORDER_FIELDS}
    values, field_errors = _convert_fields(WORK_ORDER_FIELDS, cells, "", rules, 0)
    errors += [RowError(None, e.column, e.message) for e in field_errors]
    values["source"] = source
    for required in ("external_id", "description"):
        if required not in values:
            errors.append(RowError(None, required, "required"))
    record = WorkOrderRecord(0, values, lines=[], present=tuple(n for n in WORK_ORDER_FIELDS if n in data))
    raw_tasks = data.get("tasks")
    if raw_tasks is not None:
        if not isinstance(raw_tasks, list):
            return None, errors + [RowError(None, "tasks", "must be a list")]
        group = _Group(record, {})
        record.tasks = []
        for i, raw in enumerate(raw_tasks):
            prefix = f"tasks[{i}]."
            if not isinstance(raw, dict):
                errors.append(RowError(None, f"tasks[{i}]", "must be an object"))
                continue
            errors += [RowError(None, prefix + name, "unknown field") for name in raw if name not in TASK_FIELDS]
            task_cells = {name: _json_text(raw.get(name), joined=name == "depends_on") for name in TASK_FIELDS}
            task_values, task_errors = _convert_fields(TASK_FIELDS, task_cells, "", rules, i)
            task_errors += _task_rules(task_values, task_errors, i, "")
            errors += [RowError(None, prefix + e.column, e.message) for e in task_errors]
            record.tasks.append(TaskRecord(i, task_values, tuple(n for n in TASK_FIELDS if n in raw)))
        if not errors:
            errors += [RowError(None, f"tasks[{e.line}].{e.column.removeprefix(TASK_PREFIX)}", e.message)
                       for e in group.check()]
    return (None if errors else record), errors


def _json_text(value, joined: bool = False) -> str:
    if value is None:
        return ""
    if joined and isinstance(value, list):
        return DEPENDS_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()
