"""`/v1/notifications`: the caller's inbox — events of the pipeline addressed to them (RLS: own rows)."""
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import text

from api.deps import Connection
from api.pagination import Page, Paging
from api.rows import fetch_one
from api.schemas.common import INT8_MAX
from api.schemas.pipelines import Notification

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])

SELECT = """select n.id, n.event_id, e.type, e.work_order_id, e.task_id, e.schedule_run_id, e.payload,
  n.created_at, n.read_at
from public.notifications n join public.events e on e.id = n.event_id"""


@router.get("", response_model=Page[Notification])
async def list_notifications(conn: Connection, page: Paging,
                             unread: Annotated[bool, Query(description="only those not marked read")] = False):
    """Newest first."""
    after, params = page.after("id", alias="n", descending=True)
    rows = (await conn.execute(text(f"""{SELECT}
where {after} and (not :unread or n.read_at is null)
order by n.id desc limit :limit"""), {**params, "unread": unread, "limit": page.limit + 1})).all()
    return page.page(rows, Notification, "id")


@router.post("/{notification_id}/read", response_model=Notification)
async def mark_read(notification_id: Annotated[int, Path(ge=1, le=INT8_MAX)], conn: Connection):
    await fetch_one(conn, "update public.notifications set read_at = coalesce(read_at, now()) where id = :id"
                          " returning id", {"id": notification_id}, "notification", notification_id)
    return (await fetch_one(conn, f"{SELECT} where n.id = :id", {"id": notification_id},
                            "notification", notification_id))._mapping
