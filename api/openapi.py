"""The OpenAPI document as the API really answers, so clients can generate their types from it.

Every error an operation can answer is listed with the one `Problem` schema under
`application/problem+json`, derived from what the operation declares (a route added later is
documented without extra work): a bearer token -> 401 and 403 (role, or no bayflow profile);
parameters or a body -> 422; a body -> 400, 413 and 415; a path parameter -> 404; a write -> 409;
`If-Match` -> 409, and on PATCH it is required (428); any -> 431, 500 and 503. A route's own
`responses=` add statuses and descriptions; the content is always a problem.
"""
import json
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.problems import PROBLEM_JSON, Problem

ERRORS: dict[int, str] = {
    400: "The body cannot be decoded (not UTF-8 text)",
    401: "No valid bearer token (missing, malformed, expired or not signed by the project)",
    403: "Your role may not do this, or the token names no bayflow profile",
    404: "No such resource, or none you may see",
    409: "Conflicts with the current state: a stale If-Match version, a value that must be unique, a rule of "
         "the shop, or a concurrent change (retry)",
    411: "Length required",
    413: "The body is larger than this operation accepts",
    415: "The body's Content-Type is not one this operation accepts",
    422: "A parameter, header or field is invalid; `errors` names each one",
    428: "If-Match is required: send the ETag of the version you read",
    431: "The request's headers are too large",
    500: "Unexpected error; nothing was written (the error was logged)",
    503: "The database or the token signing keys are unreachable; retry after Retry-After seconds",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def operation_id(route: APIRoute) -> str:
    """The operation's id: the route's name (`list_work_orders`, `get bay` -> `get_bay`), stable and readable."""
    return route.name.replace(" ", "_")


def install(app: FastAPI) -> None:
    """Serve the generated OpenAPI with every error response documented (built once, on first request)."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def error_statuses(method: str, operation: dict) -> set[int]:
    """The error statuses `method` can answer, from what the operation declares: its security, parameters
    and body (every authenticated route needs a bayflow profile, hence 403)."""
    parameters = operation.get("parameters", [])
    statuses = {431, 500, 503}
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if operation.get("security"):
        statuses |= {401, 403}
    if "requestBody" in operation:
        statuses |= {400, 413, 415}
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if method in WRITES:
        statuses |= {409, 422}
    if any(_is_if_match(p) for p in parameters):
        statuses.add(409)
        if method == "PATCH":
            statuses.add(428)
    return statuses


def _is_if_match(parameter: dict) -> bool:
    return parameter["in"] == "header" and parameter["name"].lower() == "if-match"


def _require(parameter: dict) -> None:
    """Mark `parameter` required, without the `null` its optional Python type added."""
    parameter["required"] = True
    schema = parameter["schema"]
    kinds = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
    if len(kinds) == 1:
        schema.update(kinds[0])
    elif kinds:
        schema["anyOf"] = kinds


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with the Problem schema, every operation's error responses, If-Match required on PATCH,
    and each component named as its model (`BayPage`, not `Page_Bay_`)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            method = method.upper()
            for parameter in operation.get("parameters", []):
                if method == "PATCH" and _is_if_match(parameter):
                    _require(parameter)
            responses = operation["responses"]
            documented = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for status in sorted(error_statuses(method, operation) | documented):
                description = responses.get(str(status), {}).get("description")
                if not description or description == "Validation Error":
                    description = ERRORS.get(status, "Error")
                responses[str(status)] = {"description": description,
                                          "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}
            operation["responses"] = dict(sorted(responses.items()))
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return _named_as_models(schema)


def _named_as_models(schema: dict[str, Any]) -> dict[str, Any]:
    """Components renamed to their title where FastAPI mangled a generic's name (`Page_Bay_` -> `BayPage`)."""
    components = schema["components"]["schemas"]
    renames = {name: body["title"] for name, body in components.items()
               if name != body.get("title") and str(body.get("title", "")).isidentifier()
               and body["title"] not in components}
    if not renames:
        return schema
    text = json.dumps(schema)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    schema = json.loads(text)
    schema["components"]["schemas"] = {renames.get(k, k): v for k, v in schema["components"]["schemas"].items()}
    return schema
