"""Request dependencies: the verified principal and the one RLS transaction of a request.

Every authenticated request runs in ONE transaction that first sets role `authenticated`
and the verified claims (bind parameters; the role never comes from the token), so the
database's RLS policies decide what the caller sees. The transaction commits after the
endpoint has built its response and before the response is sent (dependency scope
"function"), so a failing commit still answers with an error.
"""
import json
import uuid
from dataclasses import dataclass
from typing import Annotated, AsyncIterator
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection

from api.auth import unauthorized
from api.problems import ProblemError
from api.queries import load

SQL = load("requests")

_bearer = HTTPBearer(auto_error=False, description="Supabase access token")


@dataclass(frozen=True)
class Principal:
    profile_id: UUID
    role: str  # profiles.role: admin, dispatcher or tech
    email: str | None
    claims: dict


async def verified_claims(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> dict:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("missing bearer token")
    return await request.app.state.verifier.verify(credentials.credentials)


async def begin_as_caller(conn: AsyncConnection, request: Request, claims: dict) -> str | None:
    """Make `conn`'s open transaction act as the request's caller (role `authenticated`, claims,
    request id) and return the caller's profile role (None: no profile). Requests get this from
    `rls_connection`; use it directly for work that outlives the request's own transaction,
    like the body of a streamed response."""
    params = {"claims": json.dumps(claims), "request_id": request_id(request)}
    return (await conn.execute(SQL.begin_request.text, params)).scalar()


@dataclass(frozen=True)
class _RequestTransaction:
    conn: AsyncConnection
    profile_role: str | None


async def _request_transaction(
    request: Request, claims: Annotated[dict, Depends(verified_claims)]
) -> AsyncIterator[_RequestTransaction]:
    async with request.app.state.connections.connect() as conn:
        async with conn.begin():  # commits on success, rolls back on any exception
            yield _RequestTransaction(conn, await begin_as_caller(conn, request, claims))


# Always referenced this way, so a request has exactly one transaction (one cache key).
_Transaction = Annotated[_RequestTransaction, Depends(_request_transaction, scope="function")]


async def current_principal(tx: _Transaction, claims: Annotated[dict, Depends(verified_claims)]) -> Principal:
    """The caller's profile; 403 when the token is valid but names no profile."""
    if tx.profile_role is None:
        raise ProblemError(403, "Forbidden", "this user has no bayflow profile")
    return Principal(profile_id=UUID(claims["sub"]), role=tx.profile_role, email=claims.get("email"), claims=claims)


async def rls_connection(tx: _Transaction,
                         principal: Annotated[Principal, Depends(current_principal)]) -> AsyncConnection:
    """The request's connection, inside its transaction as `authenticated` with the caller's claims."""
    return tx.conn


def require_roles(*roles: str):
    """Dependency: the principal, or 403 unless their role is one of `roles`."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise ProblemError(403, "Forbidden", f"needs role {' or '.join(roles)}; you are {principal.role}")
        return principal

    return check


def request_id(request: Request) -> str:
    """The caller's X-Request-ID (if sane) or a new one; recorded in audit rows and echoed back."""
    rid = getattr(request.state, "request_id", None)
    if rid is None:
        given = request.headers.get("x-request-id", "")
        rid = given if 0 < len(given) <= 128 and given.isprintable() else str(uuid.uuid4())
        request.state.request_id = rid
    return rid


Connection = Annotated[AsyncConnection, Depends(rls_connection)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]

