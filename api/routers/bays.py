"""`/v1/bays`: everyone with a profile reads them; staff manage them."""

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import Connection
from api.pagination import Page, Paging
from api.routers.crud import add_item_routes
from api.schemas.resources import Bay, BayCreate, BayUpdate

router = APIRouter(prefix="/v1/bays", tags=["bays"])
COLUMNS = "id, name, bay_type, capabilities, active, created_at, updated_at, version"


@router.get("", response_model=Page[Bay])
async def list_bays(conn: Connection, page: Paging,
                    active: bool | None = None, bay_type: str | None = None):
    after, params = page.after("created_at", "id")
    rows = (await conn.execute(text(f"""select {COLUMNS} from public.bays
where {after}
  and (cast(:active as boolean) is null or active = :active)
  and (cast(:bay_type as text) is null or bay_type = :bay_type)
order by created_at, id
limit :limit"""), {**params, "active": active, "bay_type": bay_type, "limit": page.limit + 1})).all()
    return page.page(rows, Bay, "created_at", "id")


add_item_routes(router, table="public.bays", columns=COLUMNS, noun="bay", model=Bay,
                create=BayCreate, update=BayUpdate)
