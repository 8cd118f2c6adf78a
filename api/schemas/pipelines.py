"""Pipeline runs with their steps, and the caller's notifications."""
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from api.schemas.common import ResponseModel

StepName = Literal["enrich", "plan", "schedule", "notify"]
RunStatus = Literal["queued", "running", "succeeded", "failed"]


class PipelineStep(ResponseModel):
    step: StepName
    status: Literal["pending", "running", "succeeded", "skipped", "failed"]
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    detail: dict[str, Any]


class PipelineRun(ResponseModel):
    id: UUID
    kind: Literal["work_order", "reschedule"]
    work_order_id: UUID | None
    triggered_by: str
    status: RunStatus
    step: StepName
    error: str | None
    schedule_run_id: UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    steps: list[PipelineStep]


class Notification(ResponseModel):
    id: int
    event_id: int
    type: str
    work_order_id: UUID | None
    task_id: UUID | None
    schedule_run_id: UUID | None
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
