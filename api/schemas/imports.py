"""CSV imports of work orders: the accepted upload and an import's progress (docs/csv-format.md)."""
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from api.schemas.common import ResponseModel

ImportMode = Literal["all_or_nothing", "good_rows"]
ImportState = Literal["queued", "validating", "writing", "done", "rejected", "failed"]


class ImportAccepted(ResponseModel):
    id: UUID
    status: Literal["queued"]
    mode: ImportMode
    rows: int = Field(description="data rows in the file (blank lines not counted)")
    unknown_columns: list[str] = Field(description="header columns that are ignored, as written in the file")


class RowCounts(ResponseModel):
    total: int | None = Field(description="data rows; null until validated")
    invalid: int


class WorkOrderCounts(ResponseModel):
    total: int | None = Field(description="work orders in the file; null until validated")
    written: int
    created: int
    updated: int
    unchanged: int
    failed: int


class RowError(ResponseModel):
    line: int | None = Field(description="line of the file (1: the header); null for the file as a whole")
    column: str | None
    message: str


class ImportStatus(ResponseModel):
    id: UUID
    filename: str
    source: str
    mode: ImportMode
    status: ImportState
    rows: RowCounts
    work_orders: WorkOrderCounts
    error_count: int = Field(description="all errors; `errors` keeps the first 1,000")
    errors: list[RowError]
    warnings: list[RowError]
    created_by: UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
