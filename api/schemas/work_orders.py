"""Work orders, created together with their task graph."""
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field

from api.schemas.common import (
    INT4_MAX,
    Email,
    NonBlank,
    NonBlankLong,
    RequestModel,
    ResponseModel,
    ShortText,
    Timestamp,
    UpdateModel,
)
from api.schemas.tasks import Duration, SkillName, Task, TaskFields

WorkOrderStatus = Literal["new", "planning", "needs_review", "planned", "scheduled", "at_risk", "in_progress", "done",
                          "cancelled"]
Urgency = Literal["low", "normal", "high", "critical"]
AssetKind = Literal["vehicle", "equipment"]
Priority = Annotated[int, Field(ge=1, le=5, description="1 (low) .. 5 (most urgent)")]
Year = Annotated[int, Field(ge=1900, le=2100)]
Mileage = Annotated[int, Field(ge=0, le=INT4_MAX)]
TaskKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


class NewTask(TaskFields):
    """A task of a new work order; `key` names it for `depends_on` within the request."""

    key: TaskKey
    depends_on: list[TaskKey] = Field(default_factory=list, max_length=200)


class WorkOrderFields(RequestModel):
    external_id: ShortText | None = None
    customer_name: ShortText | None = None
    customer_phone: ShortText | None = None
    customer_email: Email | None = None
    asset_make: ShortText | None = None
    asset_model: ShortText | None = None
    asset_year: Year | None = None
    vin: ShortText | None = None
    plate: ShortText | None = None
    mileage: Mileage | None = None
    due_at: Timestamp | None = None
    category: ShortText | None = None
    urgency: Urgency | None = None


class TaskGraph:
    """A request carrying `tasks` that name each other by `key` in `depends_on`."""

    def graph_errors(self) -> list[dict]:
        """Problems of the task graph: duplicate keys, unknown or self references, cycles."""
        errors, index = [], {}
        for i, task in enumerate(self.tasks):
            if task.key in index:
                errors.append({"field": f"tasks[{i}].key", "message": f"duplicate task key {task.key!r}"})
            index.setdefault(task.key, i)
        for i, task in enumerate(self.tasks):
            for j, dep in enumerate(task.depends_on):
                field = f"tasks[{i}].depends_on[{j}]"
                if dep == task.key:
                    errors.append({"field": field, "message": "a task cannot depend on itself"})
                elif dep not in index:
                    errors.append({"field": field, "message": f"no task with key {dep!r} in this work order"})
        if not errors and (stuck := self._keys_in_cycles()):
            errors.append({"field": "tasks", "message": "dependencies form a cycle among tasks " + ", ".join(stuck)})
        return errors

    def _keys_in_cycles(self) -> list[str]:
        """Keys that can never start because their dependencies wait on each other."""
        waiting = {t.key: set(t.depends_on) for t in self.tasks}
        done: set[str] = set()
        while ready := [k for k, deps in waiting.items() if deps <= done]:
            for key in ready:
                done.add(key)
                del waiting[key]
        return sorted(waiting)


class WorkOrderCreate(WorkOrderFields, TaskGraph):
    source: NonBlank = "api"
    asset_kind: AssetKind = "vehicle"
    description: NonBlankLong
    priority: Priority = 3
    tasks: list[NewTask] = Field(default_factory=list, max_length=200)


class WorkOrderUpdate(UpdateModel):
    external_id: ShortText | None = None
    customer_name: ShortText | None = None
    customer_phone: ShortText | None = None
    customer_email: Email | None = None
    asset_kind: AssetKind = None
    asset_make: ShortText | None = None
    asset_model: ShortText | None = None
    asset_year: Year | None = None
    vin: ShortText | None = None
    plate: ShortText | None = None
    mileage: Mileage | None = None
    description: NonBlankLong = None
    priority: Priority = None
    due_at: Timestamp | None = None
    status: WorkOrderStatus = None
    category: ShortText | None = None
    urgency: Urgency | None = None


class TechWorkOrder(ResponseModel):
    """What a technician sees of a work order with a task of theirs (no customer contact)."""

    id: UUID
    number: int
    asset_kind: AssetKind
    asset_make: str | None
    asset_model: str | None
    asset_year: int | None
    vin: str | None
    plate: str | None
    mileage: int | None
    description: str
    priority: int
    urgency: Urgency | None
    category: str | None
    due_at: datetime | None
    status: WorkOrderStatus
    updated_at: datetime
    version: int


class WorkOrder(TechWorkOrder):
    source: str
    external_id: str | None
    customer_name: str | None
    customer_phone: str | None
    customer_email: str | None
    review_reasons: Any | None
    plan_source: str | None = Field(None, description='who planned the tasks: "canned:<job>", "anthropic:<model>", "openai:<model>" or "dispatcher"')
    enrichment: dict[str, Any] | None = Field(None, description="the pipeline's enrichment: category, urgency, suggested_priority, asset, summary")
    created_by: UUID | None
    created_at: datetime


class WorkOrderDetail(WorkOrder):
    tasks: list[Task] = Field(description="the work order's tasks, by position")


class TechWorkOrderDetail(TechWorkOrder):
    tasks: list[Task] = Field(description="the caller's tasks of this work order")


class WorkOrderCreated(WorkOrderDetail):
    task_ids: dict[str, UUID] = Field(description="id of each created task by its key")


class PlanTask(RequestModel):
    """A task of a dispatcher's plan; `key` names it for `depends_on` within the plan."""

    key: TaskKey
    name: NonBlank
    duration_minutes: Duration
    required_skill: SkillName | None = None
    required_bay_type: SkillName | None = None
    needs_parts: bool = False
    parts_ready_at: Timestamp | None = Field(None, description="parts ETA; needs needs_parts")
    depends_on: list[TaskKey] = Field(default_factory=list, max_length=200)


class WorkOrderPlan(RequestModel, TaskGraph):
    """The dispatcher's approved task plan: it replaces the work order's tasks."""

    tasks: list[PlanTask] = Field(min_length=1, max_length=200)

    def plan_errors(self) -> list[dict]:
        """The graph's problems and parts ETAs given for tasks that need no parts."""
        return self.graph_errors() + [
            {"field": f"tasks[{i}].parts_ready_at", "message": "a parts ETA needs needs_parts: true"}
            for i, t in enumerate(self.tasks) if t.parts_ready_at is not None and not t.needs_parts]
