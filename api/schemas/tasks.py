"""Tasks and their dependencies."""
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from api.schemas.common import NO_NUL, LongText, NonBlank, RequestModel, ResponseModel, Timestamp, UpdateModel

TaskStatus = Literal["pending", "scheduled", "in_progress", "paused", "blocked", "done", "cancelled"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Duration = Annotated[int, Field(ge=1, le=10080, description="minutes of work, 1 .. 10080 (a week)")]
SkillName = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]


class TaskFields(RequestModel):
    """Fields a dispatcher sets on a new task."""

    name: NonBlank
    duration_minutes: Duration
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None
    required_skill: SkillName | None = None
    required_bay_type: SkillName | None = None
    needs_parts: bool = False
    parts_ready_at: Timestamp | None = None
    assigned_technician_id: UUID | None = None
    bay_id: UUID | None = None
    notes: LongText | None = None
    instructions: LongText | None = Field(default=None, description="how to do the task, from the plan")


class TaskCreate(TaskFields):
    work_order_id: UUID
    depends_on: list[UUID] = Field(default_factory=list, max_length=200,
                                   description="ids of tasks of the same work order this one waits for")


class TaskUpdate(UpdateModel):
    """Changes to a task; technicians may change only `status`, `notes` and `blocked_reason` of
    their own tasks, and `status` only along their state machine (see POST /v1/tasks/{id}/status)."""

    name: NonBlank = None
    duration_minutes: Duration = None
    position: Annotated[int, Field(ge=0, le=10_000)] = None
    required_skill: SkillName | None = None
    required_bay_type: SkillName | None = None
    needs_parts: bool = None
    parts_ready_at: Timestamp | None = None
    status: TaskStatus = None
    assigned_technician_id: UUID | None = None
    bay_id: UUID | None = None
    planned_start: Timestamp | None = None
    planned_end: Timestamp | None = None
    lock_start: bool = None
    lock_technician: bool = None
    lock_bay: bool = None
    notes: LongText | None = None
    blocked_reason: Reason | None = None
    instructions: LongText | None = None
    force: bool = Field(False, description="staff: apply a change of technician, bay or planned start even "
                                           "though the what-if (POST /v1/schedule/what-if) finds it infeasible")

    def changes(self) -> dict:
        return {k: v for k, v in super().changes().items() if k != "force"}


class DependencyCreate(RequestModel):
    depends_on_task_id: UUID


class Task(ResponseModel):
    id: UUID
    work_order_id: UUID
    position: int
    name: str
    duration_minutes: int
    required_skill: str | None
    required_bay_type: str | None
    needs_parts: bool
    parts_ready_at: datetime | None
    status: TaskStatus
    assigned_technician_id: UUID | None
    bay_id: UUID | None
    planned_start: datetime | None
    planned_end: datetime | None
    unplaced_reason: str | None = Field(description="why the last schedule run could not place it (null: placed, "
                                                    "or not scheduled yet)")
    lock_start: bool
    lock_technician: bool
    lock_bay: bool
    notes: str | None
    instructions: str | None = Field(description="how to do the task, from the plan")
    actual_start: datetime | None = Field(description="when work first started (database time)")
    actual_end: datetime | None = Field(description="when the task was marked done (database time)")
    blocked_reason: str | None = Field(description="why the task is blocked (only while blocked)")
    depends_on: list[UUID] = Field(description="tasks this one waits for")
    created_at: datetime
    updated_at: datetime
    version: int


class Dependency(ResponseModel):
    task_id: UUID
    depends_on_task_id: UUID

