"""Errors as RFC 9457 `application/problem+json`: `{type, title, status, detail, errors: [{field, message}]}`."""
import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    field: str = Field(description="the field, parameter or header at fault: `tasks[0].duration_minutes`, `cursor`, "
                                   "`If-Match`; `body` for the body as a whole")
    message: str = Field(description="what is wrong with it")


class Problem(BaseModel):
    """The body of every error response (RFC 9457), as `application/problem+json`."""

    type: str = Field(description="a URI naming the kind of problem; `about:blank`: see `status`",
                      examples=["about:blank"])
    title: str = Field(description="short, the same for every problem of its kind")
    status: int = Field(description="the HTTP status code")
    detail: str | None = Field(None, description="what went wrong this time, for a person (absent: nothing to add)")
    errors: list[FieldError] = Field(description="each field at fault (may be empty)")


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document (the transaction rolls back)."""

    def __init__(self, status: int, title: str, detail: str | None = None,
                 errors: list[dict] | None = None, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {title}: {detail or ''}")
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(status: int, title: str, detail: str | None = None,
                     errors: list[dict] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["errors"] = errors or []
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_name(loc: tuple | list) -> str:
    """`("body", "tasks", 0, "duration_minutes")` -> `tasks[0].duration_minutes`; a query/header/path
    parameter by its own name."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


_MESSAGES = {"extra_forbidden": "unknown field", "missing": "field required"}


_NUL = "must not contain a NUL character (U+0000)"


def validation_errors(errors) -> list[dict]:
    out = []
    for e in errors:
        if e["type"] == "json_invalid":  # loc is ("body", <character offset>)
            out.append({"field": "body", "message": f"invalid JSON: {e.get('ctx', {}).get('error', e['msg'])}"})
        elif e["type"] == "string_pattern_mismatch" and "\x00" in str(e.get("input", "")):
            out.append({"field": field_name(e["loc"]), "message": _NUL})
        else:
            out.append({"field": field_name(e["loc"]), "message": _MESSAGES.get(e["type"], e["msg"])})
    return out


async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
    return problem_response(exc.status, exc.title, exc.detail, exc.errors, exc.headers)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    content_type = request.headers.get("content-type")
    if content_type and not _is_json(content_type) and any(tuple(e["loc"]) == ("body",) for e in exc.errors()):
        return problem_response(415, "Unsupported media type", "send the body as application/json",
                                [{"field": "Content-Type", "message": f"{content_type} is not JSON"}])
    errors = validation_errors(exc.errors())
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(422, "Invalid request", detail, errors)


async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return problem_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(500, "Internal server error", "the error was logged; nothing was written")
