"""`GET /v1/me`: the caller's profile (and technician row, for technicians)."""
from fastapi import APIRouter

from api.deps import Connection, CurrentPrincipal
from api.rows import fetch_one
from api.schemas.me import Me

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("", response_model=Me)
async def me(conn: Connection, principal: CurrentPrincipal):
    row = await fetch_one(conn, """select p.id, p.role, p.display_name, p.email, t.id as technician_id
from public.profiles p left join public.technicians t on t.profile_id = p.id
where p.id = :id""", {"id": principal.profile_id}, "profile", principal.profile_id)
    return row._mapping
