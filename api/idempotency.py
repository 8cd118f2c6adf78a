"""`Idempotency-Key` on POST: the first response is stored with the request's writes (same
transaction); a retry with the same key and body replays it, the same key with another
body is refused. Keys are per user and honoured for 24 hours."""
import hashlib
import json
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from api.deps import Connection, CurrentPrincipal
from api.problems import ProblemError
from api.queries import load

SQL = load("idempotency")


class Idempotency:
    def __init__(self, conn: AsyncConnection, owner: str, key: str | None, request_hash: str):
        self._conn, self._owner, self._key, self._hash = conn, owner, key, request_hash
        self.replay: JSONResponse | None = None

    async def load(self) -> None:
        params = {"owner": self._owner, "key": self._key}
        await self._conn.execute(SQL.lock.text, params)  # a concurrent retry waits for the first to finish
        await self._conn.execute(SQL.forget_expired.text, params)
        stored = (await self._conn.execute(SQL.stored.text, params)).first()
        if stored is None:
            return
        if stored.request_hash != self._hash:
            raise ProblemError(422, "Idempotency-Key reused",
                               "this Idempotency-Key was used with a different request",
                               [{"field": "Idempotency-Key", "message": "used with a different request"}])
        self.replay = JSONResponse(stored.response_body, status_code=stored.status_code,
                                   headers={**stored.response_headers, "Idempotent-Replayed": "true"})

    async def respond(self, status: int, body, headers: dict[str, str]) -> JSONResponse:
        """The response, stored first when the request carries a key."""
        content = jsonable_encoder(body)
        if self._key is not None:
            await self._conn.execute(SQL.store.text, {
                "owner": self._owner, "key": self._key, "hash": self._hash, "status": status,
                "body": json.dumps(content), "headers": json.dumps(headers),
            })
        return JSONResponse(content, status_code=status, headers=headers)


async def idempotency(
    request: Request, conn: Connection, principal: CurrentPrincipal,
    key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255,
                                      description="retry-safe POST: same key + same body replays the response")] = None,
) -> Idempotency:
    body = await request.body()
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    request_hash = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + canonical).hexdigest()
    idem = Idempotency(conn, str(principal.profile_id), key, request_hash)
    if key is not None:
        await idem.load()
    return idem


Idempotent = Annotated[Idempotency, Depends(idempotency)]
