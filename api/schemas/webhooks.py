"""Request and response bodies of the webhook endpoints: inbound sources, outbound
subscriptions and their deliveries. Secrets are write-only: accepted, never returned."""
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, HttpUrl, SecretStr, field_validator

from api.schemas.common import RequestModel, ResponseModel, ShortText
from bayflow.events import ALL_EVENTS, EVENT_TYPES

SOURCE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
SourceName = Annotated[str, Field(pattern=SOURCE_NAME_PATTERN, description="lower-case name in the URL")]
Secret = Annotated[SecretStr, Field(description="shared HMAC secret, at least 16 characters; write-only")]


def check_secret(value: SecretStr | None) -> SecretStr | None:
    if value is not None and not 16 <= len(value.get_secret_value()) <= 512:
        raise ValueError("must be 16 to 512 characters")
    return value


class SourceCreate(RequestModel):
    name: SourceName
    secret: Secret
    description: ShortText | None = None
    active: bool = True
    _secret = field_validator("secret")(check_secret)


class SourceUpdate(RequestModel):
    secret: Secret | None = None
    description: ShortText | None = None
    active: bool | None = None
    _secret = field_validator("secret")(check_secret)


class Source(ResponseModel):
    name: str
    description: str | None
    active: bool
    secret_updated_at: datetime
    created_at: datetime
    updated_at: datetime
    version: int


EventType = Annotated[str, Field(json_schema_extra={"enum": [*EVENT_TYPES, ALL_EVENTS]},
                                 description=f"one of {', '.join(EVENT_TYPES)}, or {ALL_EVENTS} for all")]


def check_event_types(values: list[str] | None) -> list[str] | None:
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
    _secret = field_validator("secret")(check_secret)
    _types = field_validator("event_types")(check_event_types)


class SubscriptionUpdate(RequestModel):
    url: HttpUrl | None = None
    secret: Secret | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=20)
    description: ShortText | None = None
    active: bool | None = None
    _secret = field_validator("secret")(check_secret)
    _types = field_validator("event_types")(check_event_types)


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


class InboundEventResult(ResponseModel):
    event_id: str
    type: str
    result: dict[str, Any] = Field(description="work_order.upsert: {work_order_id, outcome, pipeline_run_id}; "
                                               "parts.*: {task_ids, changed, parts_ready_at, reschedule_run_id}")


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
