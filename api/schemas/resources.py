"""Technicians, bays and calendar events: the shop's resources and their availability."""
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from api.schemas.common import LongText, NonBlank, RequestModel, ResponseModel, UpdateModel

Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
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


class CalendarEventCreate(RequestModel):
    """A shift or time off of a technician, or a bay's downtime; [starts_at, ends_at) repeats
    in the shop's timezone until recurrence_until."""

    kind: EventKind
    technician_id: UUID | None = None
    bay_id: UUID | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    recurrence: Recurrence = "none"
    recurrence_until: date | None = None
    note: LongText | None = None


class CalendarEventUpdate(UpdateModel):
    kind: EventKind = None
    technician_id: UUID | None = None
    bay_id: UUID | None = None
    starts_at: AwareDatetime = None
    ends_at: AwareDatetime = None
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
