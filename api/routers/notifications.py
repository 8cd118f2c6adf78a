"""`/v1/notifications`: the caller's inbox — events of the pipeline addressed to them (RLS: own rows)."""
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Connection
from api.pagination import Page, Paging
from api.queries import load
from api.rows import fetch_one
from api.schemas.common import INT8_MAX
from api.schemas.pipelines import Notification

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])

SQL = load("notifications")


@router.get("", response_model=Page[Notification])
async def list_notifications(conn: Connection, page: Paging,
                             unread: Annotated[bool, Query(description="only those not marked read")] = False):
    """Newest first."""
    rows = (await conn.execute(SQL.list_notifications.text, {**page.keyset("id"), "unread": unread})).all()
    return page.page(rows, Notification, "id")


@router.post("/{notification_id}/read", response_model=Notification)
async def mark_read(notification_id: Annotated[int, Path(ge=1, le=INT8_MAX)], conn: Connection):
    await fetch_one(conn, SQL.mark_read, {"id": notification_id}, "notification", notification_id)
    return (await fetch_one(conn, SQL.notification, {"id": notification_id},
                            "notification", notification_id))._mapping
