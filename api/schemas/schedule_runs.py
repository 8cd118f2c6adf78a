"""Schedule runs: one CP-SAT solve of the shop, with each task's placement and the reasons for it."""
from datetime import datetime
from typing import Any
from uuid import UUID

from api.schemas.common import ResponseModel


class ScheduleItem(ResponseModel):
    task_id: UUID
    work_order_id: UUID
    task_name: str
    technician_id: UUID | None
    bay_id: UUID | None
    starts_at: datetime | None  # null: the task could not be scheduled; `why` says why
    ends_at: datetime | None
    why: list[str]


class ScheduleRun(ResponseModel):
    id: UUID
    status: str
    objective_value: int | None
    best_bound: float | None
    gap: float | None
    baseline_objective: int | None
    objective_breakdown: dict[str, Any]
    solve_seconds: float
    triggered_by: str
    horizon_start: datetime
    horizon_end: datetime
    diagnoses: list[dict[str, Any]]
    lateness_minutes: dict[str, int]
    created_at: datetime


class ScheduleRunDetail(ScheduleRun):
    items: list[ScheduleItem]
