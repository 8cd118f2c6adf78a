"""How the front ends sign in: `GET /v1/auth/config` says whether tokens come from Supabase Auth
(email and password through supabase-js) or from bayflow's dev issuer; only with the dev issuer
(SUPABASE_URL unset) do `GET /v1/dev/users` and `POST /v1/dev/token` exist, to pick a demo user."""
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request

from api.problems import ProblemError
from api.queries import load
from api.schemas.common import Email, RequestModel, ResponseModel

SQL = load("sign_in")

router = APIRouter(prefix="/v1/auth", tags=["sign-in"])
dev_router = APIRouter(prefix="/v1/dev", tags=["sign-in"])

DEV_TOKEN_TTL_S = 8 * 3600  # a working day on the board without signing in again


class AuthConfig(ResponseModel):
    mode: Literal["dev", "supabase"]
    supabase_url: str | None = None
    supabase_anon_key: str | None = None


class DevUser(ResponseModel):
    id: UUID
    email: str
    role: Literal["admin", "dispatcher", "tech"]
    display_name: str


class DevTokenRequest(RequestModel):
    email: Email


class DevToken(ResponseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user: DevUser


@router.get("/config", response_model=AuthConfig)
async def auth_config(request: Request):
    """Public: how to get a token. `supabase`: sign in with email and password through Supabase Auth
    at `supabase_url` with the project's public anon key; `dev`: `POST /v1/dev/token`."""
    s = request.app.state.settings
    if s.supabase_url:
        return AuthConfig(mode="supabase", supabase_url=s.supabase_url, supabase_anon_key=s.supabase_anon_key)
    return AuthConfig(mode="dev")


async def _dev_users(request: Request) -> list[DevUser]:
    async with request.app.state.connections.connect() as conn:
        return [DevUser.model_validate(dict(r._mapping)) for r in await conn.execute(SQL.users.text)]


@dev_router.get("/users", response_model=list[DevUser])
async def dev_users(request: Request):
    """The users with a profile, to pick one to sign in as (dev issuer only)."""
    return await _dev_users(request)


@dev_router.post("/token", response_model=DevToken)
async def dev_token(body: DevTokenRequest, request: Request):
    """An access token for a user with a profile (dev issuer only), as Supabase Auth would issue."""
    user = next((u for u in await _dev_users(request) if u.email.lower() == body.email.lower()), None)
    if user is None:
        raise ProblemError(404, "Not found", f"no user with a profile has email {body.email!r}",
                           [{"field": "email", "message": "no such user"}])
    token = request.app.state.dev_issuer.mint(str(user.id), user.email, DEV_TOKEN_TTL_S)
    return DevToken(access_token=token, expires_in=DEV_TOKEN_TTL_S, user=user)
