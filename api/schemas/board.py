"""Everything the dispatcher board draws for a time range, in one response."""
from datetime import datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import ResponseModel
from api.schemas.tasks import TaskStatus
from api.schemas.work_orders import AssetKind, WorkOrderStatus


class Interval(ResponseModel):
    start: datetime
    end: datetime


class BoardShop(ResponseModel):
    name: str
    timezone: str = Field(description="IANA time zone the shop's days and shifts are in")


class BoardRange(ResponseModel):
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime

    model_config = {**ResponseModel.model_config, "populate_by_name": True}


class BoardTechnician(ResponseModel):
    id: UUID
    name: str
    skills: list[str]
    shifts: list[Interval] = Field(description="shift occurrences touching the range (none: always available)")
    time_off: list[Interval]


class BoardBay(ResponseModel):
    id: UUID
    name: str
    bay_type: str
    downtime: list[Interval]


class BoardTask(ResponseModel):
    id: UUID
    name: str
    work_order_id: UUID
    work_order_number: int
    status: TaskStatus
    technician_id: UUID | None
    bay_id: UUID | None
    planned_start: datetime | None = Field(description="null: not placed (the queue's unscheduled tasks)")
    planned_end: datetime | None
    duration_minutes: int
    required_skill: str | None
    required_bay_type: str | None
    lock_start: bool
    lock_technician: bool
    lock_bay: bool
    needs_parts: bool
    parts_ready_at: datetime | None = Field(description="parts ETA; null with needs_parts: no ETA yet")
    depends_on: list[UUID]
    version: int = Field(description="the task's ETag is this version, quoted (If-Match of a move)")


class Asset(ResponseModel):
    kind: AssetKind
    make: str | None
    model: str | None
    year: int | None
    plate: str | None
    vin: str | None


class BoardWorkOrder(ResponseModel):
    id: UUID
    number: int
    description: str
    customer_name: str | None
    asset: Asset
    priority: int
    due_at: datetime | None
    status: WorkOrderStatus
    late_minutes: int = Field(description="minutes its last open task ends past due_at (or now, if a task is "
                                          "still unplaced); 0: on time or no due date")
    review_reasons: list | dict | None = None


class LatestRun(ResponseModel):
    id: UUID
    status: str
    created_at: datetime
    objective_value: int | None
    gap: float | None
    unplaced_count: int


class Board(ResponseModel):
    shop: BoardShop
    range: BoardRange
    technicians: list[BoardTechnician]
    bays: list[BoardBay]
    tasks: list[BoardTask] = Field(description="tasks placed in the range, then open unplaced tasks of open work orders")
    work_orders: list[BoardWorkOrder] = Field(description="the work orders of these tasks")
    latest_run: LatestRun | None
