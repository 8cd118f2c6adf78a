"""The dispatcher's moves: what-if, moves, asking for a schedule run, and a run's diff."""
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from api.schemas.common import RequestModel, ResponseModel, Timestamp
from api.schemas.tasks import Task

ViolationKind = Literal["overlap", "skill", "bay_type", "shift", "time_off", "bay_downtime", "parts", "dependency",
                        "lock", "horizon"]
LockField = Literal["start", "technician", "bay"]


class WhatIfRequest(RequestModel):
    """Where the dispatcher proposes to put a task; at least one of technician_id, bay_id and start.
    A field left out keeps the task's current value (an unlocked technician or bay that does not
    work there is replaced by the first eligible one that does)."""

    task_id: UUID
    technician_id: UUID | None = None
    bay_id: UUID | None = None
    start: Timestamp | None = Field(
        None, description="RFC 3339 date-time with an offset; whole minutes, seconds are dropped")

    @model_validator(mode="after")
    def _something_proposed(self):
        if self.technician_id is None and self.bay_id is None and self.start is None:
            raise ValueError("give at least one of technician_id, bay_id and start")
        return self


class Violation(ResponseModel):
    kind: ViolationKind
    message: str
    field: Literal["technician_id", "bay_id", "start"] = Field(description="what to change to fix it")


class PushedTask(ResponseModel):
    task_id: UUID
    task_name: str
    from_start: datetime
    to_start: datetime | None = Field(description="null: it would no longer fit in the planning horizon")
    minutes: int | None


class LatenessChange(ResponseModel):
    work_order_id: UUID
    work_order_number: int
    before_minutes: int
    after_minutes: int


class Slot(ResponseModel):
    technician_id: UUID
    technician_name: str
    bay_id: UUID | None
    start: datetime
    end: datetime


class Placement(ResponseModel):
    """The proposal with every field resolved: where the task would go."""

    technician_id: UUID | None
    bay_id: UUID | None
    start: datetime
    end: datetime


class WhatIfResult(ResponseModel):
    feasible: bool
    violations: list[Violation]
    pushed: list[PushedTask] = Field(description="tasks that would move right if the proposal were forced in")
    lateness: list[LatenessChange] = Field(description="each affected work order's lateness, before and after")
    nearest: list[Slot] = Field(description="up to 3 nearest feasible slots on the technician, then up to 3 on others")
    placement: Placement


class MoveRequest(WhatIfRequest):
    lock: list[LockField] | None = Field(
        None, description="the fields to lock after the move (the others are unlocked); default: the fields given")
    force: bool = Field(False, description="apply the move even though the what-if finds it infeasible")


class MoveResult(ResponseModel):
    task: Task
    what_if: WhatIfResult
    pipeline_run_id: UUID = Field(description="the re-optimization it triggered (GET /v1/pipeline_runs/{id})")


class ScheduleRunRequest(RequestModel):
    scope: Literal["partial", "full"] = "partial"


class ScheduleRunRequested(ResponseModel):
    pipeline_run_id: UUID


class DiffPlacement(ResponseModel):
    technician_id: UUID | None
    bay_id: UUID | None
    starts_at: datetime | None


class MovedTask(ResponseModel):
    task_id: UUID
    task_name: str
    work_order_number: int
    from_: DiffPlacement = Field(alias="from", serialization_alias="from")
    to: DiffPlacement
    why: list[str]

    model_config = {**ResponseModel.model_config, "populate_by_name": True}


class PlacedTask(ResponseModel):
    task_id: UUID
    task_name: str
    work_order_number: int
    to: DiffPlacement
    why: list[str]


class UnplacedTask(ResponseModel):
    task_id: UUID
    task_name: str
    work_order_number: int
    why: list[str]


class RunDiff(ResponseModel):
    run_id: UUID
    previous_run_id: UUID | None = Field(description="the run before it; null: the first run (everything is new)")
    scope: Literal["partial", "full"]
    changes: list[str] = Field(description="the changes the run answered, as reasons")
    moved: list[MovedTask]
    newly_placed: list[PlacedTask]
    unplaced: list[UnplacedTask]
