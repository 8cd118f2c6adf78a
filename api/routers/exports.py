"""`/v1/exports/*.csv`: work orders and the schedule as CSV, streamed from a server-side cursor.

The body is produced after the endpoint returns, so it runs in a transaction of its own
that acts as the caller exactly like the request's (`begin_as_caller`): RLS applies to
every row streamed.
"""
from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from api.deps import Principal, begin_as_caller, require_roles, verified_claims
from api.exports import QUERIES, SCHEDULE_COLUMNS, WORK_ORDER_COLUMNS, csv_chunks
from api.problems import ProblemError
from api.schemas.common import QueryTimestamp
from api.schemas.work_orders import WorkOrderStatus
from bayflow import queries

router = APIRouter(prefix="/v1/exports", tags=["exports"])
CSV_FILE = {200: {"description": "a CSV file (UTF-8), streamed", "content": {"text/csv": {"schema": {"type": "string"}}}}}
Staff = Annotated[Principal, Depends(require_roles("admin", "dispatcher"))]


def _stream(request: Request, claims: dict, query: queries.Query, params: dict, columns: list[str],
            filename: str) -> StreamingResponse:
    async def rows() -> AsyncIterator[tuple]:
        async with request.app.state.connections.connect() as conn, conn.begin():
            await begin_as_caller(conn, request, claims)
            result = await conn.stream(query.text, params)
            async for partition in result.partitions(500):
                for row in partition:
                    yield tuple(row)

    return StreamingResponse(csv_chunks(columns, rows()), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/work-orders.csv", response_class=StreamingResponse, responses=CSV_FILE, summary="Work orders with their tasks, in the import format (re-importable)")
async def export_work_orders(
    request: Request, principal: Staff, claims: Annotated[dict, Depends(verified_claims)],
    status: Annotated[list[WorkOrderStatus] | None, Query(description="any of these statuses")] = None,
    due_from: Annotated[QueryTimestamp | None, Query(description="due_at at or after")] = None,
    due_to: Annotated[QueryTimestamp | None, Query(description="due_at before")] = None,
    assignee: Annotated[UUID | None, Query(description="has a task assigned to this technician")] = None,
) -> StreamingResponse:
    params = {"status": status, "due_from": due_from, "due_to": due_to, "assignee": assignee}
    return _stream(request, claims, QUERIES.work_orders, params, WORK_ORDER_COLUMNS, "work-orders.csv")


@router.get("/schedule.csv", response_class=StreamingResponse, responses=CSV_FILE,
            summary="Scheduled tasks overlapping [from, to); `to` must be after `from`")
async def export_schedule(
    request: Request, principal: Staff, claims: Annotated[dict, Depends(verified_claims)],
    start: Annotated[QueryTimestamp, Query(alias="from", description="planned tasks ending after this time")],
    end: Annotated[QueryTimestamp, Query(alias="to", description="planned tasks starting before this time; after `from`")],
    assignee: Annotated[UUID | None, Query(description="tasks assigned to this technician")] = None,
) -> StreamingResponse:
    if end <= start:
        raise ProblemError(422, "Invalid request", "`to` must be after `from`",
                           [{"field": "to", "message": "must be after from"}])
    params = {"start": start, "end": end, "assignee": assignee}
    return _stream(request, claims, QUERIES.schedule, params, SCHEDULE_COLUMNS, "schedule.csv")
