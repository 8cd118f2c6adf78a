"""The task state machine's refusals (migration 20261207000600) as problems naming the field and
the rule: SQLSTATE BF409 is a status change the task's current status does not allow (409),
BF422 a value the new status needs (422); the trigger names the field as the error's column."""
from fastapi.responses import JSONResponse

from api.problems import problem_response

_RULES = {"BF409": (409, "Status change not allowed"), "BF422": (422, "Missing value")}


def task_rule_response(sqlstate: str, pg) -> JSONResponse | None:
    """The problem response for a state-machine refusal, or None for any other database error."""
    if sqlstate not in _RULES:
        return None
    status, title = _RULES[sqlstate]
    message = getattr(pg, "message", None) or str(pg)
    field = getattr(pg, "column_name", None) or "status"
    return problem_response(status, title, message, [{"field": field, "message": message}])
