"""`/v1/technicians`: staff manage them; a technician sees only their own row."""

from fastapi import APIRouter

from api.deps import Connection
from api.pagination import Page, Paging
from api.queries import load
from api.routers.crud import add_item_routes
from api.schemas.resources import Technician, TechnicianCreate, TechnicianUpdate

router = APIRouter(prefix="/v1/technicians", tags=["technicians"])
SQL = load("technicians")
COLUMNS = "id, profile_id, name, skills, active, created_at, updated_at, version"


@router.get("", response_model=Page[Technician])
async def list_technicians(conn: Connection, page: Paging,
                           active: bool | None = None, skill: str | None = None):
    rows = (await conn.execute(SQL.list_technicians.text, {**page.keyset("created_at", "id"),
                                                          "active": active, "skill": skill})).all()
    return page.page(rows, Technician, "created_at", "id")


add_item_routes(router, table="public.technicians", columns=COLUMNS, noun="technician", model=Technician,
                create=TechnicianCreate, update=TechnicianUpdate)
