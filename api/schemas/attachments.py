"""Photos and files attached to tasks."""
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from api.schemas.common import ResponseModel


class Attachment(ResponseModel):
    id: UUID
    task_id: UUID
    work_order_id: UUID
    uploaded_by: UUID | None = Field(description="the uploader's profile id")
    content_type: Literal["image/jpeg", "image/png", "application/pdf"] = Field(
        description="of the stored file (HEIC photos are stored as JPEG)")
    size: int = Field(description="bytes of the file as uploaded")
    sha256: str = Field(description="hex SHA-256 of the file as uploaded; one attachment per sha256 and task")
    created_at: datetime
    url: str = Field(description="short-lived signed download URL of the stored file (no bearer token needed)")
    thumbnail_url: str | None = Field(description="short-lived signed URL of a JPEG thumbnail; null for PDFs")
    url_expires_at: datetime = Field(description="when url and thumbnail_url stop working; fetch the attachment again")
