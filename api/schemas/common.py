"""Shared model bases and field types."""
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class RequestModel(BaseModel):
    """A request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ShortText = Annotated[str, StringConstraints(max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
NonBlankLong = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Version = Annotated[int, Field(ge=1, description="the version you read (alternative to If-Match)")]


class UpdateModel(RequestModel):
    """A PATCH body: only the fields sent change. A field typed without `| None` defaults to
    "unchanged" but rejects an explicit null (its column is not null)."""

    version: Version | None = None

    def changes(self) -> dict:
        return {k: getattr(self, k) for k in self.model_fields_set if k != "version"}
