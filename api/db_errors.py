"""Postgres errors as problems: a constraint or trigger that refuses a write is the client's 409/422,
named by the field and the rule it broke, never a 500. The request's transaction has rolled back.
A value the database cannot take (class 22) is named by its column when the statement shows it,
and described in words of our own: never the driver's text or a `$N` placeholder."""
import logging
import re

from fastapi import Request
from sqlalchemy.exc import DBAPIError

from api.problems import problem_response
from api.task_rules import task_rule_response

log = logging.getLogger(__name__)

# Table-level rules whose constraint names do not say which field they guard.
_RULES: dict[str, tuple[str, str]] = {
    "tasks_check": ("parts_ready_at", "parts_ready_at is only allowed when needs_parts is true"),
    "tasks_check1": ("planned_end", "planned_start and planned_end are set together"),
    "tasks_check2": ("planned_end", "planned_end must be after planned_start"),
    "tasks_check3": ("lock_start", "lock_start needs a planned_start"),
    "tasks_check4": ("lock_technician", "lock_technician needs an assigned_technician_id"),
    "tasks_check5": ("lock_bay", "lock_bay needs a bay_id"),
    "task_dependencies_check": ("depends_on_task_id", "a task cannot depend on itself"),
    "task_dependencies_same_work_order": ("depends_on_task_id",
                                          "a task can only depend on a task of its own work order"),
    "task_dependencies_acyclic": ("depends_on_task_id", "the dependency would close a cycle"),
    "calendar_events_check": ("ends_at", "ends_at must be after starts_at"),
    "calendar_events_check1": ("ends_at", "an event lasts at most 14 days (use recurrence for longer)"),
    "calendar_events_check2": ("recurrence_until", "a recurring event needs recurrence_until"),
    "calendar_events_check3": ("kind", "bay_downtime needs bay_id only; shift and time_off need technician_id only"),
}

_TABLES = ("task_dependencies", "calendar_events", "work_orders", "technicians", "profiles",
           "tasks", "bays", "idempotency_keys")


def _column_of(constraint: str, suffix: str) -> str | None:
    """`tasks_duration_minutes_check` -> `duration_minutes` (Postgres' default constraint names)."""
    if not constraint.endswith(suffix):
        return None
    for table in _TABLES:
        if constraint.startswith(table + "_"):
            return constraint[len(table) + 1:-len(suffix)] or None
    return None


# Words for a value the database refused (SQLSTATE class 22), by SQLSTATE, then by the driver's message.
_DATA_ERRORS = {
    "22001": "is too long",
    "22003": "is out of range",
    "22007": "is not a valid date or time",
    "22008": "is out of the range of dates the database accepts",
    "22021": "must not contain a NUL character (U+0000)",
    "22P02": "is not valid for its type",
    "22P05": "must not contain a NUL character (U+0000)",
}
_DRIVER_WORDS = (("out of int", "is out of range"), ("date value out of range", "is out of the range of dates the "
                 "database accepts"), ("0x00", "must not contain a NUL character (U+0000)"))
_ARGUMENT = re.compile(r"query argument \$(\d+)")


def _data_error(sqlstate: str, message: str, statement: str) -> tuple[str, dict | None]:
    """(detail, error) for a value the database refused; the column when the statement names it."""
    words = next((w for needle, w in _DRIVER_WORDS if needle in message), None) \
        or _DATA_ERRORS.get(sqlstate, "cannot be stored by the database")
    argument = _ARGUMENT.search(message)
    column = _argument_column(statement, int(argument.group(1))) if argument else None
    if column is None:
        return f"a value {words}", None
    return f"{column} {words}", {"field": column, "message": words}


def _top_level(items: str) -> list[str]:
    """The comma-separated items of `items` up to its first unmatched `)`:
    `a, coalesce(b, c), d) returning x` -> `["a", "coalesce(b, c)", "d"]`."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(items):
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return [*parts, items[start:i].strip()]
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(items[start:i].strip())
            start = i + 1
    return [*parts, items[start:].strip()]


def _argument_column(statement: str, n: int) -> str | None:
    """The column bind parameter `$n` of `statement` is compared with or stored in, if the SQL says."""
    placeholder = rf"\${n}(?!\d)"
    compared = re.search(rf"(\w+)\s*(?:=|<>|<=|>=|<|>)\s*(?:cast\(\s*)?{placeholder}", statement, re.IGNORECASE)
    if compared:
        return compared.group(1)
    insert = re.search(r"insert\s+into\s+[\w.]+\s*\(([^)]*)\)\s*values\s*\(", statement, re.IGNORECASE)
    if insert:
        values = _top_level(statement[insert.end():])
        for column, value in zip(_top_level(insert.group(1)), values):
            if re.search(placeholder, value):
                return column
    return None


def _describe(sqlstate: str, pg, statement: str = "") -> tuple[int, str, str, dict | list[dict] | None]:
    """(status, title, detail, error) for a Postgres error raised by a client's write; `statement` is
    the SQL that failed."""
    constraint = getattr(pg, "constraint_name", None) or ""
    message = getattr(pg, "message", None) or str(pg)
    if constraint in _RULES:
        field, meaning = _RULES[constraint]
        return 422, "Constraint violated", meaning, {"field": field, "message": meaning}
    if sqlstate == "23505":
        column = _column_of(constraint, "_key") or constraint
        detail = f"{column} must be unique: {getattr(pg, 'detail', None) or message}"
        return 409, "Conflicts with an existing row", detail, {"field": column, "message": "already exists"}
    if sqlstate == "23503":
        column = _column_of(constraint, "_fkey") or constraint
        if "is still referenced" in (getattr(pg, "detail", None) or ""):
            return 409, "Still referenced", f"the row is still referenced ({constraint})", None
        return 422, "Unknown reference", f"{column} names a row that does not exist", \
            {"field": column, "message": "no such row"}
    if sqlstate == "23514":
        column = _column_of(constraint, "_check") or constraint
        return 422, "Constraint violated", f"{column} has a value the shop does not allow ({constraint})", \
            {"field": column, "message": f"violates {constraint}"}
    if sqlstate == "23502":
        column = getattr(pg, "column_name", None) or "?"
        return 422, "Missing value", f"{column} is required", {"field": column, "message": "must not be null"}
    if sqlstate == "42501":
        if fields := [f for f in (getattr(pg, "column_name", None) or "").split(",") if f]:  # a trigger's refusal
            return 403, "Forbidden", message, [{"field": f, "message": "your role may not change it"} for f in fields]
        return 403, "Forbidden", "your role may not make this change", None
    if sqlstate in ("40001", "40P01", "55P03"):
        return 409, "Concurrent change", "another request changed the same rows; retry", None
    if sqlstate in ("53300", "57P03", "08006", "08001"):
        return 503, "Database unavailable", "the database refused a connection; retry shortly", None
    if sqlstate.startswith("22"):
        return 422, "Invalid value", *_data_error(sqlstate, message, statement)
    if sqlstate == "P0001":  # raise exception in a trigger: a business rule
        return 409, "Rule violated", message, None
    return 500, "Internal server error", "the error was logged; nothing was written", None


async def on_database_error(request: Request, exc: DBAPIError):
    pg = getattr(exc.orig, "__cause__", None) or exc.orig
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(pg, "sqlstate", None) or ""
    if (rule := task_rule_response(sqlstate, pg)) is not None:
        return rule
    status, title, detail, error = _describe(sqlstate, pg, exc.statement or "")
    if status >= 500:
        log.error("database error %s on %s %s: %s", sqlstate, request.method, request.url.path, exc.orig)
    headers = {"Retry-After": "1"} if status == 503 else None
    errors = error if isinstance(error, list) else [error] if error else None
    return problem_response(status, title, detail, errors, headers)
