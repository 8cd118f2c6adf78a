"""Technicians, bays and calendar events: the shop's resources and their availability."""
from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from api.schemas.common import NO_NUL, LongText, NonBlank, RequestModel, ResponseModel, Timestamp, UpdateModel

Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NO_NUL)]
BayType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=100)]
EventKind = Literal["shift", "time_off", "bay_downtime"]
Recurrence = Literal["none", "daily", "weekdays", "weekly"]


class TechnicianCreate(RequestModel):
    name: NonBlank
    profile_id: UUID | None = None
    skills: list[Skill] = Field(default_factory=list, max_length=100)
    active: bool = True


class TechnicianUpdate(UpdateModel):
    name: NonBlank = None
    profile_id: UUID | None = None
    skills: Annotated[list[Skill], Field(max_length=100)] = None
    active: bool = None


class Technician(ResponseModel):
    id: UUID
    profile_id: UUID | None
    name: str
    skills: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class BayCreate(RequestModel):
    name: NonBlank
    bay_type: BayType
    capabilities: list[Skill] = Field(default_factory=list, max_length=100)
    active: bool = True


class BayUpdate(UpdateModel):
    name: NonBlank = None
    bay_type: BayType = None
    capabilities: Annotated[list[Skill], Field(max_length=100)] = None
    active: bool = None


class Bay(ResponseModel):
    id: UUID
    name: str
    bay_type: str
    capabilities: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


MAX_EVENT = timedelta(days=14)
ENDS_AT = "after starts_at, at most 14 days later (use recurrence for longer)"


class CalendarEventCreate(RequestModel):
    """A shift or time off of a technician (`technician_id` only), or a bay's downtime (`bay_id`
    only); [starts_at, ends_at) repeats in the shop's timezone until recurrence_until, which a
    recurring event needs."""

    kind: EventKind
    technician_id: UUID | None = Field(None, description="shift and time_off: the technician")
    bay_id: UUID | None = Field(None, description="bay_downtime: the bay")
    starts_at: Timestamp
    ends_at: Timestamp = Field(description=ENDS_AT)
    recurrence: Recurrence = "none"
    recurrence_until: date | None = Field(None, description="required unless recurrence is none")
    note: LongText | None = None

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and not starts_at < ends_at <= starts_at + MAX_EVENT:
            raise PydanticCustomError("event_span", "must be " + ENDS_AT)
        return ends_at


class CalendarEventUpdate(UpdateModel):
    kind: EventKind = None
    technician_id: UUID | None = None
    bay_id: UUID | None = None
    starts_at: Timestamp = None
    ends_at: Timestamp = Field(None, description=ENDS_AT)
    recurrence: Recurrence = None
    recurrence_until: date | None = None
    note: LongText | None = None


class CalendarEvent(ResponseModel):
    id: UUID
    kind: EventKind
    technician_id: UUID | None
    bay_id: UUID | None
    starts_at: datetime
    ends_at: datetime
    recurrence: Recurrence
    recurrence_until: date | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    version: int
