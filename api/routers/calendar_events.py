"""`/v1/calendar_events`: shifts, time off and bay downtime. A technician sees their own."""
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import Connection
from api.pagination import Page, Paging
from api.queries import load
from api.routers.crud import add_item_routes
from api.schemas.common import QueryTimestamp
from api.schemas.resources import CalendarEvent, CalendarEventCreate, CalendarEventUpdate

router = APIRouter(prefix="/v1/calendar_events", tags=["calendar events"])
SQL = load("calendar_events")
COLUMNS = """id, kind, technician_id, bay_id, starts_at, ends_at, recurrence, recurrence_until, note,
  created_at, updated_at, version"""


@router.get("", response_model=Page[CalendarEvent])
async def list_calendar_events(
    conn: Connection, page: Paging,
    kind: Literal["shift", "time_off", "bay_downtime"] | None = None,
    technician_id: UUID | None = None, bay_id: UUID | None = None,
    starts_from: Annotated[QueryTimestamp | None, Query(description="first occurrence starts at or after")] = None,
    starts_to: Annotated[QueryTimestamp | None, Query(description="first occurrence starts before")] = None,
):
    rows = (await conn.execute(SQL.list_calendar_events.text, {
        **page.keyset("created_at", "id"), "kind": kind, "technician_id": technician_id, "bay_id": bay_id,
        "starts_from": starts_from, "starts_to": starts_to})).all()
    return page.page(rows, CalendarEvent, "created_at", "id")


add_item_routes(router, table="public.calendar_events", columns=COLUMNS, noun="calendar event",
                model=CalendarEvent, create=CalendarEventCreate, update=CalendarEventUpdate)
