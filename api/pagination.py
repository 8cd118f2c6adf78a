"""Keyset pagination: `?limit=&cursor=`; the cursor is the opaque sort key of the last row returned.

Lists are ordered by `(created_at, id)`, or by another unique key (work orders: `number`). A list
query takes the cursor as `:after_<key>` parameters (null on the first page) and `:limit`, and
compares the sort key with them, e.g. `(created_at, id) > (coalesce(:after_created_at::timestamptz,
'-infinity'), coalesce(:after_id::uuid, '00000000-0000-0000-0000-000000000000'))`: one statement for
every page, whose range condition an index can serve.
"""
import base64
import json
from datetime import datetime
from typing import Annotated, Generic, TypeVar, get_args
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from api.problems import ProblemError

T = TypeVar("T")

CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"  # unpadded URL-safe base64
# Cursor values are tagged with their type: t(imestamp), u(uuid), i(nteger).
_DECODERS = {"t": datetime.fromisoformat, "u": UUID, "i": int}


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null: this is the last")

    @classmethod
    def model_parametrized_name(cls, params: tuple) -> str:
        """`Page[Bay]` -> `BayPage`, `Page[WorkOrder | TechWorkOrder]` -> `WorkOrderOrTechWorkOrderPage`."""
        (item,) = params
        return "Or".join(t.__name__ for t in get_args(item) or (item,)) + "Page"


class PageRequest:
    """`limit` (1..200, default 50) and `cursor` from a previous page's `next_cursor`."""

    def __init__(self, limit: int, cursor: str | None):
        self.limit = limit
        self.cursor = cursor

    def keyset(self, *key: str) -> dict:
        """The parameters of a list query ordered by `key`: `after_<k>` for each column of the key
        (None on the first page) and `limit` (one more than the page, to know if there is a next)."""
        values = [None] * len(key) if self.cursor is None else _decode(self.cursor, key)
        return {**{f"after_{k}": v for k, v in zip(key, values)}, "limit": self.limit + 1}

    def page(self, rows: list, model: type[BaseModel], *key: str) -> dict:
        """From `limit + 1` fetched rows: `limit` items and the cursor if there are more."""
        items = [model.model_validate(dict(r._mapping)) for r in rows[: self.limit]]
        if len(rows) <= self.limit:
            return {"items": items, "next_cursor": None}
        last = rows[self.limit - 1]._mapping
        return {"items": items, "next_cursor": _encode([last[k] for k in key])}


async def page_request(limit: Annotated[int, Query(ge=1, le=200)] = 50,
                       cursor: Annotated[str | None, Query(
                           max_length=300, pattern=CURSOR_PATTERN,
                           description="opaque: the `next_cursor` of the previous page of this same list, as "
                                       "returned; any other value is refused (422)")] = None) -> PageRequest:
    # A coroutine: FastAPI runs a plain callable dependency (like a class) in a worker thread.
    return PageRequest(limit, cursor)


Paging = Annotated[PageRequest, Depends(page_request)]


def _encode(values: list) -> str:
    tagged = []
    for v in values:
        if isinstance(v, datetime):
            tagged.append(["t", v.isoformat()])
        elif isinstance(v, UUID):
            tagged.append(["u", str(v)])
        else:
            tagged.append(["i", int(v)])
    return base64.urlsafe_b64encode(json.dumps(tagged).encode()).decode().rstrip("=")


def _decode(cursor: str, key: tuple[str, ...]) -> list:
    try:
        tagged = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(tagged, list) or len(tagged) != len(key):
            raise ValueError
        return [_DECODERS[tag](value) for tag, value in tagged]
    except (ValueError, TypeError, KeyError):
        raise ProblemError(422, "Invalid request", "cursor is not one this API returned for this list",
                           [{"field": "cursor", "message": "invalid cursor"}]) from None
