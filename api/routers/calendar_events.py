"""`/v1/calendar_events`: shifts, time off and bay downtime. A technician sees their own."""
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from sqlalchemy import text

from api.deps import Connection
from api.pagination import Page, Paging
from api.routers.crud import add_item_routes
from api.schemas.common import QueryTimestamp
from api.schemas.resources import CalendarEvent, CalendarEventCreate, CalendarEventUpdate

router = APIRouter(prefix="/v1/calendar_events", tags=["calendar events"])
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
    after, params = page.after("created_at", "id")
    rows = (await conn.execute(text(f"""select {COLUMNS} from public.calendar_events
where {after}
  and (cast(:kind as text) is null or kind = :kind)
  and (cast(:technician_id as uuid) is null or technician_id = :technician_id)
  and (cast(:bay_id as uuid) is null or bay_id = :bay_id)
  and (cast(:starts_from as timestamptz) is null or starts_at >= :starts_from)
  and (cast(:starts_to as timestamptz) is null or starts_at < :starts_to)
order by created_at, id
limit :limit"""), {**params, "kind": kind, "technician_id": technician_id, "bay_id": bay_id,
                   "starts_from": starts_from, "starts_to": starts_to, "limit": page.limit + 1})).all()
    return page.page(rows, CalendarEvent, "created_at", "id")


add_item_routes(router, table="public.calendar_events", columns=COLUMNS, noun="calendar event",
                model=CalendarEvent, create=CalendarEventCreate, update=CalendarEventUpdate)
