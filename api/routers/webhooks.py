"""`/v1/webhooks`: signed inbound events, inbound sources and outbound subscriptions (admins),
deliveries with their attempts and re-sending (staff).

Secrets are write-only: accepted when a source or subscription is created or rotated,
stored in tables the API role can write but never read, and never returned.
"""
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field, HttpUrl, SecretStr, field_validator
from sqlalchemy import text

from api.deps import Connection, Principal, request_id, require_roles
from api.problems import ProblemError
from api.routers.imports import read_limited_body
from api.schemas.common import RequestModel, ResponseModel, ShortText
from bayflow import signing
from pipelines import inbound
from pipelines.webhooks import ALL_EVENTS, EVENT_TYPES, delivery_message
from tasks.enqueue import enqueue_async

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Staff = Annotated[Principal, Depends(require_roles("admin", "dispatcher"))]

SourceName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$", description="lower-case name in the URL")]
Secret = Annotated[SecretStr, Field(description="shared HMAC secret, at least 16 characters; write-only")]


def _check_secret(value: SecretStr | None) -> SecretStr | None:
    if value is not None and not 16 <= len(value.get_secret_value()) <= 512:
        raise ValueError("must be 16 to 512 characters")
    return value


# ---------------------------------------------------------------- inbound events

@router.post("/inbound/{source}", summary="Receive a signed event from another system (no user token)")
async def receive_event(source: str, request: Request) -> dict:
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
            result = await inbound.apply(conn, source, event_id, event_type, data)
        except inbound.EventError as exc:
            raise ProblemError(exc.status, exc.title, exc.detail, exc.errors) from None
    return {"event_id": event_id, "type": event_type, "result": result}


# ---------------------------------------------------------------- inbound sources

class SourceCreate(RequestModel):
    name: SourceName
    secret: Secret
    description: ShortText | None = None
    active: bool = True
    _secret = field_validator("secret")(_check_secret)


class SourceUpdate(RequestModel):
    secret: Secret | None = None
    description: ShortText | None = None
    active: bool | None = None
    _secret = field_validator("secret")(_check_secret)


class Source(ResponseModel):
    name: str
    description: str | None
    active: bool
    secret_updated_at: datetime
    created_at: datetime
    updated_at: datetime
    version: int


_SOURCE = """select s.name, s.description, s.active, k.updated_at as secret_updated_at, s.created_at, s.updated_at,
  s.version from public.inbound_sources s join public.inbound_source_secrets k on k.source = s.name"""


async def _source(conn, name: str) -> Source:
    row = (await conn.execute(text(f"{_SOURCE} where s.name = :name"), {"name": name})).mappings().first()
    if row is None:
        raise ProblemError(404, "Not found", f"no inbound source {name!r}")
    return Source(**row)


@router.get("/sources", response_model=list[Source], summary="Inbound sources (admins)")
async def list_sources(conn: Connection, principal: Admin):
    return [Source(**r) for r in (await conn.execute(text(f"{_SOURCE} order by s.name"))).mappings()]


@router.post("/sources", status_code=201, response_model=Source, summary="Add an inbound source with its secret")
async def create_source(body: SourceCreate, conn: Connection, principal: Admin, response: Response):
    await conn.execute(text("insert into public.inbound_sources (name, description, active) values (:name, :d, :a)"),
                       {"name": body.name, "d": body.description, "a": body.active})
    await conn.execute(text("insert into public.inbound_source_secrets (source, secret) values (:name, :secret)"),
                       {"name": body.name, "secret": body.secret.get_secret_value()})
    response.headers["Location"] = f"/v1/webhooks/sources/{body.name}"
    return await _source(conn, body.name)


@router.patch("/sources/{name}", response_model=Source, summary="Change or rotate the secret of an inbound source")
async def update_source(name: str, body: SourceUpdate, conn: Connection, principal: Admin):
    await _source(conn, name)
    changes = body.model_dump(exclude_unset=True, exclude={"secret"})
    if changes:
        assignments = ", ".join(f"{k} = :{k}" for k in changes)
        await conn.execute(text(f"update public.inbound_sources set {assignments} where name = :name"),
                           {**changes, "name": name})
    if body.secret is not None:
        await conn.execute(text("update public.inbound_source_secrets set secret = :secret, updated_at = now()"
                                " where source = :name"), {"secret": body.secret.get_secret_value(), "name": name})
    return await _source(conn, name)


@router.delete("/sources/{name}", status_code=204, summary="Remove an inbound source")
async def delete_source(name: str, conn: Connection, principal: Admin):
    deleted = (await conn.execute(text("delete from public.inbound_sources where name = :name returning name"),
                                  {"name": name})).first()
    if deleted is None:
        raise ProblemError(404, "Not found", f"no inbound source {name!r}")


# ---------------------------------------------------------------- outbound subscriptions

EventType = Annotated[str, Field(description=f"one of {', '.join(EVENT_TYPES)}, or {ALL_EVENTS} for all")]


def _check_event_types(values: list[str] | None) -> list[str] | None:
    if values is not None:
        unknown = [v for v in values if v != ALL_EVENTS and v not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event types {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}, {ALL_EVENTS}")
    return values


class SubscriptionCreate(RequestModel):
    url: HttpUrl
    secret: Secret
    event_types: list[EventType] = Field(min_length=1, max_length=20)
    description: ShortText | None = None
    active: bool = True
    _secret = field_validator("secret")(_check_secret)
    _types = field_validator("event_types")(_check_event_types)


class SubscriptionUpdate(RequestModel):
    url: HttpUrl | None = None
    secret: Secret | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=20)
    description: ShortText | None = None
    active: bool | None = None
    _secret = field_validator("secret")(_check_secret)
    _types = field_validator("event_types")(_check_event_types)


class Subscription(ResponseModel):
    id: UUID
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    secret_updated_at: datetime
    created_at: datetime
    updated_at: datetime
    version: int


_SUBSCRIPTION = """select s.id, s.url, s.event_types, s.description, s.active, k.updated_at as secret_updated_at,
  s.created_at, s.updated_at, s.version
  from public.webhook_subscriptions s join public.webhook_subscription_secrets k on k.subscription_id = s.id"""


async def _subscription(conn, subscription_id: UUID) -> Subscription:
    row = (await conn.execute(text(f"{_SUBSCRIPTION} where s.id = :id"), {"id": subscription_id})).mappings().first()
    if row is None:
        raise ProblemError(404, "Not found", f"no webhook subscription {subscription_id}")
    return Subscription(**row)


@router.get("/subscriptions", response_model=list[Subscription], summary="Outbound subscriptions (admins)")
async def list_subscriptions(conn: Connection, principal: Admin):
    rows = (await conn.execute(text(f"{_SUBSCRIPTION} order by s.created_at, s.id"))).mappings()
    return [Subscription(**r) for r in rows]


@router.post("/subscriptions", status_code=201, response_model=Subscription, summary="Subscribe a URL to events")
async def create_subscription(body: SubscriptionCreate, conn: Connection, principal: Admin, response: Response):
    subscription_id = (await conn.execute(
        text("insert into public.webhook_subscriptions (url, event_types, description, active)"
             " values (:url, :types, :d, :a) returning id"),
        {"url": str(body.url), "types": body.event_types, "d": body.description, "a": body.active})).scalar_one()
    await conn.execute(text("insert into public.webhook_subscription_secrets (subscription_id, secret) values (:id, :s)"),
                       {"id": subscription_id, "s": body.secret.get_secret_value()})
    response.headers["Location"] = f"/v1/webhooks/subscriptions/{subscription_id}"
    return await _subscription(conn, subscription_id)


@router.get("/subscriptions/{subscription_id}", response_model=Subscription)
async def get_subscription(subscription_id: UUID, conn: Connection, principal: Admin):
    return await _subscription(conn, subscription_id)


@router.patch("/subscriptions/{subscription_id}", response_model=Subscription)
async def update_subscription(subscription_id: UUID, body: SubscriptionUpdate, conn: Connection, principal: Admin):
    await _subscription(conn, subscription_id)
    changes = body.model_dump(exclude_unset=True, exclude={"secret"})
    if "url" in changes:
        changes["url"] = str(body.url)
    if changes:
        assignments = ", ".join(f"{k} = :{k}" for k in changes)
        await conn.execute(text(f"update public.webhook_subscriptions set {assignments} where id = :id"),
                           {**changes, "id": subscription_id})
    if body.secret is not None:
        await conn.execute(text("update public.webhook_subscription_secrets set secret = :s, updated_at = now()"
                                " where subscription_id = :id"),
                           {"s": body.secret.get_secret_value(), "id": subscription_id})
    return await _subscription(conn, subscription_id)


@router.delete("/subscriptions/{subscription_id}", status_code=204)
async def delete_subscription(subscription_id: UUID, conn: Connection, principal: Admin):
    deleted = (await conn.execute(text("delete from public.webhook_subscriptions where id = :id returning id"),
                                  {"id": subscription_id})).first()
    if deleted is None:
        raise ProblemError(404, "Not found", f"no webhook subscription {subscription_id}")


# ---------------------------------------------------------------- deliveries

DeliveryStatus = Literal["pending", "succeeded", "retrying", "dead"]


class Attempt(ResponseModel):
    attempt: int
    started_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    succeeded: bool


class Delivery(ResponseModel):
    id: UUID
    subscription_id: UUID
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryDetail(Delivery):
    payload: dict
    attempt_log: list[Attempt]


_DELIVERY = """select id, subscription_id, event_id, event_type, status, attempts, last_status_code, last_error,
  created_at, delivered_at, payload from public.webhook_deliveries"""


@router.get("/deliveries", response_model=list[Delivery], summary="Recent deliveries, newest first (staff)")
async def list_deliveries(
    conn: Connection, principal: Staff,
    subscription_id: UUID | None = None,
    status: Annotated[list[DeliveryStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    rows = (await conn.execute(text(
        f"""{_DELIVERY} where (cast(:sub as uuid) is null or subscription_id = :sub)
              and (cast(:status as text[]) is null or status = any(cast(:status as text[])))
            order by created_at desc, id limit :limit"""),
        {"sub": subscription_id, "status": status, "limit": limit})).mappings()
    return [Delivery(**r) for r in rows]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail, summary="A delivery and every attempt")
async def get_delivery(delivery_id: UUID, conn: Connection, principal: Staff):
    row = (await conn.execute(text(f"{_DELIVERY} where id = :id"), {"id": delivery_id})).mappings().first()
    if row is None:
        raise ProblemError(404, "Not found", f"no webhook delivery {delivery_id}")
    attempts = (await conn.execute(text(
        "select attempt, started_at, status_code, latency_ms, error, succeeded from public.webhook_attempts"
        " where delivery_id = :id order by id"), {"id": delivery_id})).mappings()
    return DeliveryDetail(**row, attempt_log=[Attempt(**a) for a in attempts])


@router.post("/deliveries/{delivery_id}/resend", status_code=202, response_model=Delivery,
             summary="Send a delivery again (with a fresh set of attempts)")
async def resend_delivery(delivery_id: UUID, conn: Connection, principal: Staff):
    row = (await conn.execute(text(
        "update public.webhook_deliveries set status = 'pending', updated_at = now() where id = :id"
        " returning id, subscription_id, event_id, event_type, status, attempts, last_status_code, last_error,"
        " created_at, delivered_at"), {"id": delivery_id})).mappings().first()
    if row is None:
        raise ProblemError(404, "Not found", f"no webhook delivery {delivery_id}")
    await enqueue_async(conn, delivery_message(str(delivery_id)))
    return Delivery(**row)
