"""`/v1/bays`: everyone with a profile reads them; staff manage them."""

from fastapi import APIRouter

from api.deps import Connection
from api.pagination import Page, Paging
from api.queries import load
from api.routers.crud import add_item_routes
from api.schemas.resources import Bay, BayCreate, BayUpdate

router = APIRouter(prefix="/v1/bays", tags=["bays"])
SQL = load("bays")
COLUMNS = "id, name, bay_type, capabilities, active, created_at, updated_at, version"


@router.get("", response_model=Page[Bay])
async def list_bays(conn: Connection, page: Paging,
                    active: bool | None = None, bay_type: str | None = None):
    rows = (await conn.execute(SQL.list_bays.text, {**page.keyset("created_at", "id"),
                                                    "active": active, "bay_type": bay_type})).all()
    return page.page(rows, Bay, "created_at", "id")


add_item_routes(router, table="public.bays", columns=COLUMNS, noun="bay", model=Bay,
                create=BayCreate, update=BayUpdate)
