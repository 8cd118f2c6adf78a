"""`GET /v1/audit`: the audit log (admins and dispatchers), newest first."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import Connection, require_roles
from api.pagination import Page, Paging
from api.queries import load
from api.schemas.audit import AuditEntry
from api.schemas.common import QueryTimestamp

router = APIRouter(prefix="/v1/audit", tags=["audit"])

SQL = load("audit")


@router.get("", response_model=Page[AuditEntry], dependencies=[Depends(require_roles("admin", "dispatcher"))])
async def list_audit(
    conn: Connection, page: Paging,
    table: Annotated[str | None, Query(max_length=100, description="table name, e.g. tasks")] = None,
    row_id: Annotated[str | None, Query(max_length=200, description="the row's primary key as text")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="profile id, worker:<actor>, seed")] = None,
    from_: Annotated[QueryTimestamp | None, Query(alias="from", description="occurred at or after")] = None,
    to: Annotated[QueryTimestamp | None, Query(description="occurred before")] = None,
):
    rows = (await conn.execute(SQL.list_audit.text, {**page.keyset("occurred_at", "id"), "table": table,
                                                     "row_id": row_id, "actor": actor, "from": from_, "to": to})).all()
    return page.page(rows, AuditEntry, "occurred_at", "id")
