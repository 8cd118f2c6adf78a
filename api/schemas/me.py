"""The caller's own profile."""
from typing import Literal
from uuid import UUID

from api.schemas.common import ResponseModel


class Me(ResponseModel):
    id: UUID
    role: Literal["admin", "dispatcher", "tech"]
    display_name: str
    email: str | None
    technician_id: UUID | None
