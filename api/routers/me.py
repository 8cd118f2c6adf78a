"""`GET /v1/me`: the caller's profile (and technician row, for technicians)."""
from fastapi import APIRouter

from api.deps import Connection, CurrentPrincipal
from api.queries import load
from api.rows import fetch_one
from api.schemas.me import Me

SQL = load("me")

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("", response_model=Me)
async def me(conn: Connection, principal: CurrentPrincipal):
    row = await fetch_one(conn, SQL.me, {"id": principal.profile_id}, "profile", principal.profile_id)
    return row._mapping
