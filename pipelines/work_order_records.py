"""Work-order records: the fields of a work order and its tasks, their rules, and the checks
across a work order's tasks (pure: no database). The format is in docs/csv-format.md.

A field's text becomes a value through its converter, or a `RowError` naming the field.
`task_graph_errors` checks a work order's tasks together: names unique, dependencies on
named tasks of the same work order, no cycle. The CSV import (pipelines.csv_file) builds
records from rows; an inbound webhook's JSON work order is one record (`record_from_json`).
Both go through these same rules.
"""
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

DEPENDS_SEPARATOR = "|"
INT4_MAX = 2_147_483_647  # Postgres `integer`


@dataclass(frozen=True)
class RowError:
    """What is wrong, where: `line` of a CSV row (or the index of a JSON task), `column` the field."""
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
# Task fields (CSV columns carry a `task_` prefix). `name` and `duration_minutes` are required.
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


def _convert(converter, text: str, rules: DateRules):
    if "\x00" in text:  # Postgres text cannot store it
        raise ValueError("must not contain a NUL character (U+0000)")
    return parse_datetime(text, rules) if converter is _DATETIME else converter(text)


def convert_fields(specs: dict, cells: dict, prefix: str, rules: DateRules,
                   line: int) -> tuple[dict, list[RowError]]:
    """The non-empty `cells` (`prefix` + field name -> text) of the fields in `specs`, converted;
    errors name the cell."""
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


def task_rules(values: dict, conversion_errors: list[RowError], line: int, prefix: str) -> list[RowError]:
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


# ---- the tasks of one work order, together ----

def task_graph_errors(tasks: list[TaskRecord], prefix: str) -> list[RowError]:
    """Task names unique, dependencies on other tasks of the same work order, no cycle; errors
    name each task's line and its `prefix`-ed field."""
    errors = []
    by_name: dict[str, TaskRecord] = {}
    for task in tasks:
        if task.name in by_name:
            errors.append(RowError(task.line, prefix + "name",
                                   f"task {task.name!r} is listed twice for this work order "
                                   f"(also line {by_name[task.name].line})"))
        by_name.setdefault(task.name, task)
    for task in tasks:
        for name in task.values.get("depends_on") or []:
            if name == task.name:
                errors.append(RowError(task.line, prefix + "depends_on", "a task cannot depend on itself"))
            elif name not in by_name:
                errors.append(RowError(task.line, prefix + "depends_on", f"no task named {name!r} in this work order"))
    if not errors:
        cycle = _cycle(tasks)
        if cycle:
            errors.append(RowError(cycle[0].line, prefix + "depends_on",
                                   "dependencies form a cycle: " + " -> ".join(t.name for t in cycle)))
    return errors


def _cycle(tasks: list[TaskRecord]) -> list[TaskRecord] | None:
    """A dependency cycle as the tasks along it (the first repeated at the end), or None."""
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


# ---- a JSON work order (inbound webhooks) ----

def record_from_json(data: dict, rules: DateRules, *, source: str) -> tuple[WorkOrderRecord | None, list[RowError]]:
    """A work order of an inbound webhook (the CSV's work-order column names; `tasks` a list of
    objects with the task field names): the same rules as a CSV row. Errors name fields like
    `tasks[1].name`."""
    if not isinstance(data, dict):
        return None, [RowError(None, "data", "must be an object")]
    errors = [RowError(None, name, "unknown field") for name in data
              if name not in WORK_ORDER_FIELDS and name != "tasks"]
    cells = {name: _json_text(data.get(name)) for name in WORK_ORDER_FIELDS}
    values, field_errors = convert_fields(WORK_ORDER_FIELDS, cells, "", rules, 0)
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
        record.tasks = []
        for i, raw in enumerate(raw_tasks):
            prefix = f"tasks[{i}]."
            if not isinstance(raw, dict):
                errors.append(RowError(None, f"tasks[{i}]", "must be an object"))
                continue
            errors += [RowError(None, prefix + name, "unknown field") for name in raw if name not in TASK_FIELDS]
            task_cells = {name: _json_text(raw.get(name), joined=name == "depends_on") for name in TASK_FIELDS}
            task_values, task_errors = convert_fields(TASK_FIELDS, task_cells, "", rules, i)
            task_errors += task_rules(task_values, task_errors, i, "")
            errors += [RowError(None, prefix + e.column, e.message) for e in task_errors]
            record.tasks.append(TaskRecord(i, task_values, tuple(n for n in TASK_FIELDS if n in raw)))
        if not errors:
            errors += [RowError(None, f"tasks[{e.line}].{e.column}", e.message)
                       for e in task_graph_errors(record.tasks, "")]
    return (None if errors else record), errors


def _json_text(value, joined: bool = False) -> str:
    if value is None:
        return ""
    if joined and isinstance(value, list):
        return DEPENDS_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()
