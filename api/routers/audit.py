"""`GET /v1/audit`: the audit log (admins and dispatchers), newest first."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import text

from api.deps import Connection, require_roles
from api.pagination import Page, Paging
from api.schemas.audit import AuditEntry
from api.schemas.common import QueryTimestamp

router = APIRouter(prefix="/v1/audit", tags=["audit"])

COLUMNS = """id, occurred_at, table_name, row_id, action, actor, actor_profile_id, db_role, request_id,
  old_row, new_row, changed_keys, diff"""


@router.get("", response_model=Page[AuditEntry], dependencies=[Depends(require_roles("admin", "dispatcher"))])
async def list_audit(
    conn: Connection, page: Paging,
    table: Annotated[str | None, Query(max_length=100, description="table name, e.g. tasks")] = None,
    row_id: Annotated[str | None, Query(max_length=200, description="the row's primary key as text")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="profile id, worker:<actor>, seed")] = None,
    from_: Annotated[QueryTimestamp | None, Query(alias="from", description="occurred at or after")] = None,
    to: Annotated[QueryTimestamp | None, Query(description="occurred before")] = None,
):
    after, params = page.after("occurred_at", "id", descending=True)
    rows = (await conn.execute(text(f"""select {COLUMNS} from public.audit_log
where {after}
  and (cast(:table as text) is null or table_name = :table)
  and (cast(:row_id as text) is null or row_id = :row_id)
  and (cast(:actor as text) is null or actor = :actor)
  and (cast(:from as timestamptz) is null or occurred_at >= :from)
  and (cast(:to as timestamptz) is null or occurred_at < :to)
order by occurred_at desc, id desc
limit :limit"""), {**params, "table": table, "row_id": row_id, "actor": actor, "from": from_, "to": to,
                   "limit": page.limit + 1})).all()
    return page.page(rows, AuditEntry, "occurred_at", "id")
