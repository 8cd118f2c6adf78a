"""`/v1/technicians`: staff manage them; a technician sees only their own row."""

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import Connection
from api.pagination import Page, Paging
from api.routers.crud import add_item_routes
from api.schemas.resources import Technician, TechnicianCreate, TechnicianUpdate

router = APIRouter(prefix="/v1/technicians", tags=["technicians"])
COLUMNS = "id, profile_id, name, skills, active, created_at, updated_at, version"


@router.get("", response_model=Page[Technician])
async def list_technicians(conn: Connection, page: Paging,
                           active: bool | None = None, skill: str | None = None):
    after, params = page.after("created_at", "id")
    rows = (await conn.execute(text(f"""select {COLUMNS} from public.technicians
where {after}
  and (cast(:active as boolean) is null or active = :active)
  and (cast(:skill as text) is null or :skill = any(skills))
order by created_at, id
limit :limit"""), {**params, "active": active, "skill": skill, "limit": page.limit + 1})).all()
    return page.page(rows, Technician, "created_at", "id")


add_item_routes(router, table="public.technicians", columns=COLUMNS, noun="technician", model=Technician,
                create=TechnicianCreate, update=TechnicianUpdate)
