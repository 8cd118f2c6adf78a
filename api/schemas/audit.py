"""Entries of the audit log (written by triggers, migration 0300)."""
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from api.schemas.common import ResponseModel


class AuditEntry(ResponseModel):
    id: int
    occurred_at: datetime
    table_name: str
    row_id: str | None
    action: Literal["insert", "update", "delete", "truncate"]
    actor: str
    actor_profile_id: UUID | None
    db_role: str
    request_id: str | None
    old_row: dict[str, Any] | None
    new_row: dict[str, Any] | None
    changed_keys: list[str] | None
    diff: dict[str, Any] | None
