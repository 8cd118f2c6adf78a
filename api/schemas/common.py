"""Shared model bases and field types.

Every value a request carries must fit the column it lands in: integers within Postgres'
`integer`/`bigint`, timestamps within what Python and `timestamptz` both represent, text
without NUL (Postgres text cannot hold it). The types here say so in the OpenAPI too.
"""
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, StringConstraints, \
    field_validator
from pydantic_core import PydanticCustomError

INT4_MAX = 2_147_483_647  # Postgres `integer`
INT8_MAX = 9_223_372_036_854_775_807  # Postgres `bigint`
NO_NUL = r"^[^\x00]*$"  # Postgres text cannot store U+0000


def _no_nul(value: Any) -> Any:
    """`value` unchanged; a NUL in any string it holds (lists and dicts included) is an error."""
    if isinstance(value, SecretStr):
        _no_nul(value.get_secret_value())
    elif isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("nul_character", "must not contain a NUL character (U+0000)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _no_nul(item)
    return value


def _in_timestamptz_range(value: datetime) -> datetime:
    """`value`, if it is a moment Postgres can store and Python can convert to UTC (years 1..9999 in UTC)."""
    if value.tzinfo is not None:
        try:
            value.astimezone(timezone.utc)
        except OverflowError:
            raise PydanticCustomError("datetime_range", "must be between 0001-01-01 and 9999-12-31 in UTC") from None
    return value


class RequestModel(BaseModel):
    """A request body: unknown fields are an error, not silently dropped; no text holds a NUL."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        return _no_nul(value)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=NO_NUL)]
ShortText = Annotated[str, StringConstraints(max_length=500, pattern=NO_NUL)]
LongText = Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)]
NonBlankLong = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000,
                                                pattern=NO_NUL)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")]
Version = Annotated[int, Field(ge=1, le=INT4_MAX, description="the version you read; when sent, it must equal If-Match")]
# A moment with its offset (`2026-12-07T09:00:00+01:00`), convertible to UTC.
Timestamp = Annotated[AwareDatetime, AfterValidator(_in_timestamptz_range),
                      Field(description="RFC 3339 date-time with an offset, years 0001..9999 in UTC")]
# A query filter's moment; without an offset it is read as UTC.
QueryTimestamp = Annotated[datetime, AfterValidator(_in_timestamptz_range)]


class UpdateModel(RequestModel):
    """A PATCH body: only the fields sent change. A field typed without `| None` defaults to
    "unchanged" but rejects an explicit null (its column is not null)."""

    version: Version | None = None

    def changes(self) -> dict:
        return {k: getattr(self, k) for k in self.model_fields_set if k != "version"}
