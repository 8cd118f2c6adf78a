"""A technician's day: their tasks with what the technician app shows, and what changed since their last look."""
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from api.schemas.common import RequestModel, ResponseModel, Timestamp
from api.schemas.tasks import TaskStatus


class BayRef(ResponseModel):
    id: UUID
    name: str


class WorkOrderSummary(ResponseModel):
    """The work order as a technician sees it (no customer contact fields)."""

    id: UUID
    number: int
    description: str
    asset_make: str | None
    asset_model: str | None
    asset_year: int | None
    plate: str | None
    vin: str | None


class PartsState(ResponseModel):
    needs_parts: bool
    ready_at: datetime | None
    status: Literal["none", "ready", "due", "no_eta"] = Field(
        description="none: no parts to wait for; ready: arrived (ready_at passed); due: expected at ready_at; "
                    "no_eta: needed, no date known")


class TaskRef(ResponseModel):
    id: UUID
    name: str
    status: TaskStatus


class ChangedFrom(ResponseModel):
    starts_at: datetime | None
    technician: str | None = Field(description="the technician the task had before (their name), if any")


class Changed(ResponseModel):
    model_config = ConfigDict(populate_by_name=True)

    kind: Literal["moved", "reassigned", "new"]
    from_: ChangedFrom | None = Field(default=None, alias="from", description="the task's slot at your last look")
    at: datetime = Field(description="when the latest such change was made")


class MyTask(ResponseModel):
    id: UUID
    name: str
    status: TaskStatus
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None
    blocked_reason: str | None
    notes: str | None
    instructions: str | None
    bay: BayRef | None
    work_order: WorkOrderSummary
    parts: PartsState
    waits_on: list[str] = Field(description="what the task waits for, in plain words (\"after 'Drain oil'\")")
    why: list[str] = Field(description="why the latest schedule put the task where it is, in plain words")
    other_tasks: list[TaskRef] = Field(description="the work order's other tasks")
    changed: Changed | None = Field(description="moved, reassigned to you or new since your last look; null: unchanged")
    version: int


class TaskChange(ResponseModel):
    task_id: UUID
    kind: Literal["moved", "reassigned", "new"]
    message: str


class MyDay(ResponseModel):
    day: date
    timezone: str
    seen_at: datetime = Field(description="your last look, which `changed` and `changes` are relative to")
    as_of: datetime = Field(description="the database time of this answer: send it as `at` to POST /v1/me/seen "
                                        "once the list is shown, so a change made after it is not lost")
    tasks: list[MyTask] = Field(description="ordered by planned_start")
    changes: list[TaskChange] = Field(description="what changed on this day's tasks since your last look, for a banner")


class SeenMark(RequestModel):
    at: Timestamp | None = Field(default=None, description="the moment the list was looked at; default now "
                                                                "(never later than now, never moving backwards)")


class Seen(ResponseModel):
    seen_at: datetime
