"""`/v1/webhooks/inbound/{source}`: signed events from other systems, and the inbound
sources (admins) whose secrets verify them. Secrets are stored in tables the API role
can write but never read, and never returned."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from api import inbound
from api.deps import Connection, Principal, request_id, require_roles
from api.problems import ProblemError
from api.queries import load
from api.routers.imports import read_limited_body
from api.rows import patch_params
from api.schemas.webhooks import SOURCE_NAME_PATTERN, InboundEventResult, Source, SourceCreate, SourceUpdate
from bayflow import signing
from tasks.starts import AsyncFlowStarts

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
SQL = load("inbound_sources")
Admin = Annotated[Principal, Depends(require_roles("admin"))]
SourcePath = Annotated[str, Path(pattern=SOURCE_NAME_PATTERN, description="the inbound source's name")]

# The body is read raw (its bytes are what is signed): its form is declared here.
EVENT_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["id", "type", "data"], "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 200, "description": "unique per event: a replay is refused"},
            "type": {"type": "string", "enum": list(inbound.EVENT_TYPES)},
            "data": {"type": "object", "description": "work_order.upsert: a work order as in the CSV format; "
                                                      "parts.*: task_id (or work_order_external_id and task_name), "
                                                      "parts_ready_at / arrived_at"},
        }}}}},
    "parameters": [
        {"name": signing.TIMESTAMP_HEADER, "in": "header", "required": True, "schema": {"type": "string"},
         "description": "unix seconds when the event was signed (within the replay window)"},
        {"name": signing.SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"},
         "description": "`v1=<hex HMAC-SHA256 of '<timestamp>.<body>' with the source's secret>`"},
    ],
}


@router.post("/inbound/{source}", response_model=InboundEventResult, openapi_extra=EVENT_BODY,
             responses={401: {"description": "The signature or its timestamp is missing, wrong or too old"},
                        404: {"description": "No active inbound source of that name, or no task the event names"}},
             summary="Receive a signed event from another system (no user token)")
async def receive_event(source: SourcePath, request: Request):
    config = request.app.state.settings
    body = await read_limited_body(request, config.bayflow_webhook_max_body_bytes)
    async with request.app.state.connections.connect() as conn, conn.begin():
        await inbound.begin_as_source(conn, source, request_id(request))
        secret = await inbound.secret_of(conn, source)
        if secret is None:
            raise ProblemError(404, "Unknown inbound source", f"no active inbound source named {source!r}")
        try:
            signing.verify(secret, body, request.headers.get(signing.TIMESTAMP_HEADER),
                           request.headers.get(signing.SIGNATURE_HEADER),
                           tolerance_s=config.bayflow_webhook_replay_window_s)
        except signing.SignatureError as exc:
            raise ProblemError(401, "Invalid signature", str(exc)) from None
        try:
            event_id, event_type, data = inbound.parse_envelope(body)
            if not await inbound.accept(conn, source, event_id, event_type):
                raise ProblemError(409, "Event already received", f"event {event_id!r} from {source!r} was applied before")
            result = await inbound.apply(conn, source, event_id, event_type, data, AsyncFlowStarts())
        except inbound.EventError as exc:
            raise ProblemError(exc.status, exc.title, exc.detail, exc.errors) from None
    return {"event_id": event_id, "type": event_type, "result": result}


async def _source(conn, name: str) -> Source:
    row = (await conn.execute(SQL.source.text, {"name": name})).mappings().first()
    if row is None:
        raise ProblemError(404, "Not found", f"no inbound source {name!r}")
    return Source(**row)


@router.get("/sources", response_model=list[Source], summary="Inbound sources (admins)")
async def list_sources(conn: Connection, principal: Admin):
    return [Source(**r) for r in (await conn.execute(SQL.sources.text)).mappings()]


@router.post("/sources", status_code=201, response_model=Source, summary="Add an inbound source with its secret")
async def create_source(body: SourceCreate, conn: Connection, principal: Admin, response: Response):
    await conn.execute(SQL.insert_source.text, {"name": body.name, "d": body.description, "a": body.active})
    await conn.execute(SQL.insert_source_secret.text, {"name": body.name, "secret": body.secret.get_secret_value()})
    response.headers["Location"] = f"/v1/webhooks/sources/{body.name}"
    return await _source(conn, body.name)


@router.patch("/sources/{name}", response_model=Source, summary="Change or rotate the secret of an inbound source")
async def update_source(name: SourcePath, body: SourceUpdate, conn: Connection, principal: Admin):
    await _source(conn, name)
    changes = body.model_dump(exclude_unset=True, exclude={"secret"})
    if changes:
        await conn.execute(SQL.update_source.text,
                           {**patch_params(changes, ("description", "active")), "name": name})
    if body.secret is not None:
        await conn.execute(SQL.update_source_secret.text, {"secret": body.secret.get_secret_value(), "name": name})
    return await _source(conn, name)


@router.delete("/sources/{name}", status_code=204, summary="Remove an inbound source")
async def delete_source(name: SourcePath, conn: Connection, principal: Admin):
    deleted = (await conn.execute(SQL.delete_source.text, {"name": name})).first()
    if deleted is None:
        raise ProblemError(404, "Not found", f"no inbound source {name!r}")
