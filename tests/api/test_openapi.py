"""The OpenAPI document is precise enough for openapi-typescript: every error an operation answers is
listed as application/problem+json with the Problem schema, every 2xx has its schema, names are
stable and readable, and the rules the API enforces are stated. A route added later is documented
the same way without anything of its own."""
import json
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header
from pydantic import BaseModel

from api.app import create_app
from api.deps import Connection
from api.problems import PROBLEM_JSON
from tests.api.test_work_orders import BRAKE_JOB, counts
from tests.support.shop import DISPATCHER

PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method.upper(), operation


def test_every_error_response_is_a_problem_and_every_success_has_a_schema(api_settings):
    spec = create_app(api_settings).openapi()
    assert spec["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "errors"]
    for name, method, operation in operations(spec):
        responses = operation["responses"]
        for code, response in responses.items():
            if int(code) >= 400:
                assert response["content"] == PROBLEM, (name, code)
            elif code != "204":
                assert response["content"], (name, code)
                for media_type, body in response["content"].items():  # e.g. a download: one per file type
                    assert body.get("schema") not in (None, {}), (name, code, media_type)
        assert {"500", "503"} <= set(responses), name
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), name
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in responses, name
        if "requestBody" in operation:
            assert {"413", "415", "422"} <= set(responses), name


def test_rules_the_api_enforces_are_in_the_spec(api_settings):
    spec = create_app(api_settings).openapi()
    paths = spec["paths"]
    for name, method, operation in operations(spec):
        if_match = [p for p in operation.get("parameters", []) if p["name"] == "If-Match"]
        if method == "PATCH" and if_match:
            assert if_match[0]["required"] is True and {"409", "428"} <= set(operation["responses"]), name
            assert if_match[0]["schema"]["type"] == "string" and "anyOf" not in if_match[0]["schema"], name
    conditional = {(m, path) for path, methods in paths.items() for m, o in methods.items()
                   if any(p["name"] == "If-Match" for p in o.get("parameters", []))}
    assert {m for m, _ in conditional} == {"patch", "delete", "post"}
    # a board move may name the task version it was dropped from (optional): the one conditional POST
    assert {path for m, path in conditional if m == "post"} == {"/v1/schedule/moves"}
    move_if_match = next(p for p in paths["/v1/schedule/moves"]["post"]["parameters"] if p["name"] == "If-Match")
    assert not move_if_match.get("required") and "409" in paths["/v1/schedule/moves"]["post"]["responses"]
    cursor = next(p for p in paths["/v1/tasks"]["get"]["parameters"] if p["name"] == "cursor")
    assert "next_cursor" in cursor["description"] and cursor["schema"]["anyOf"][0]["pattern"]
    event = spec["components"]["schemas"]["CalendarEventCreate"]["properties"]["ends_at"]
    assert "after starts_at" in event["description"]
    assert paths["/v1/exports/schedule.csv"]["get"]["responses"]["200"]["content"] == \
        {"text/csv": {"schema": {"type": "string"}}}
    assert list(paths["/v1/events"]["get"]["responses"]["200"]["content"]) == ["text/event-stream"]
    download = paths["/v1/attachments/{attachment_id}/content"]["get"]["responses"]
    assert download["200"]["content"]["application/pdf"] == {"schema": {"type": "string", "format": "binary"}}
    assert "invalid or expired" in download["403"]["description"]  # no bearer token, yet a 403
    assert set(paths["/v1/imports"]["post"]["requestBody"]["content"]) == {"text/csv", "multipart/form-data"}


def test_names_are_readable_and_unique(api_settings):
    spec = create_app(api_settings).openapi()
    ids = [o["operationId"] for _, _, o in operations(spec)]
    assert len(ids) == len(set(ids))
    assert {"list_work_orders", "create_work_order", "get_bay", "update_technician"} <= set(ids)
    names = set(spec["components"]["schemas"])
    assert {"Problem", "FieldError", "BayPage", "WorkOrderOrTechWorkOrderPage", "ImportStatus"} <= names
    assert not [n for n in names if "_" in n or n.startswith("Body") or "ValidationError" in n], names


def test_a_route_added_later_is_documented_without_anything_of_its_own(api_settings):
    class Move(BaseModel):
        bay_id: UUID

    router = APIRouter(prefix="/v1/moves")

    @router.patch("/{task_id}")
    async def move_task(task_id: UUID, body: Move, conn: Connection,
                        if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> Move:
        return body

    app = create_app(api_settings)
    app.include_router(router)
    responses = app.openapi()["paths"]["/v1/moves/{task_id}"]["patch"]["responses"]
    assert set(responses) == {"200", "400", "401", "403", "404", "409", "413", "415", "422", "428", "431",
                              "500", "503"}
    assert all(responses[code]["content"] == PROBLEM for code in responses if code != "200")


def test_a_json_body_sent_as_another_content_type_gets_the_documented_415(client, as_user, shop_db):
    before = counts(shop_db)
    response = client.post("/v1/work_orders", content=json.dumps(BRAKE_JOB),
                           headers=as_user(DISPATCHER, **{"Content-Type": "text/plain"}))
    assert response.status_code == 415, response.text
    assert response.json()["errors"] == [{"field": "Content-Type", "message": "text/plain is not JSON"}]
    assert counts(shop_db) == before
