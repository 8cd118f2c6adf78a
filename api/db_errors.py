"""Postgres errors as problems: a constraint or trigger that refuses a write is the client's 409/422,
named by the field and the rule it broke, never a 500. The request's transaction has rolled back."""
import logging

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


def _describe(sqlstate: str, pg) -> tuple[int, str, str, dict | None]:
    """(status, title, detail, error) for a Postgres error raised by a client's write."""
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
        return 403, "Forbidden", "your role may not make this change", None
    if sqlstate in ("40001", "40P01", "55P03"):
        return 409, "Concurrent change", "another request changed the same rows; retry", None
    if sqlstate in ("53300", "57P03", "08006", "08001"):
        return 503, "Database unavailable", "the database refused a connection; retry shortly", None
    if sqlstate.startswith("22"):
        return 422, "Invalid value", message, None
    if sqlstate == "P0001":  # raise exception in a trigger: a business rule
        return 409, "Rule violated", message, None
    return 500, "Internal server error", "the error was logged; nothing was written", None


async def on_database_error(request: Request, exc: DBAPIError):
    pg = getattr(exc.orig, "__cause__", None) or exc.orig
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(pg, "sqlstate", None) or ""
    if (rule := task_rule_response(sqlstate, pg)) is not None:
        return rule
    status, title, detail, error = _describe(sqlstate, pg)
    if status >= 500:
        log.error("database error %s on %s %s: %s", sqlstate, request.method, request.url.path, exc.orig)
    headers = {"Retry-After": "1"} if status == 503 else None
    return problem_response(status, title, detail, [error] if error else None, headers)
