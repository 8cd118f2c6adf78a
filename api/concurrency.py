"""Optimistic concurrency: a row's `version` is its ETag; a PATCH names the version it read in
`If-Match` (required: 428 without it) and a stale one gets 409. A DELETE may name one."""
import re
from typing import Annotated

from fastapi import Header, Response

from api.problems import ProblemError

# `"3"` or `W/"3"`: the ETags this API sends (versions below 10^9, within Postgres' integer).
ETAG_PATTERN = r'^(W/)?"?[1-9][0-9]{0,8}"?$'
_ETAG = re.compile(ETAG_PATTERN)


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def _version_of(if_match: str) -> int:
    tag = if_match.strip()
    if not _ETAG.match(tag):
        raise ProblemError(422, "Invalid request", "If-Match must be an ETag this API returned",
                           [{"field": "If-Match", "message": "not a version ETag"}])
    return int(tag.removeprefix("W/").strip('"'))


def expected_version(if_match: str | None, body_version: int | None) -> int:
    """The version the client read, from If-Match (428 without it); `version` in the body, when sent,
    must agree."""
    if if_match is None:
        raise ProblemError(428, "Precondition required", "send If-Match with the ETag you read",
                           [{"field": "If-Match", "message": "required"}])
    version = _version_of(if_match)
    if body_version is not None and body_version != version:
        raise ProblemError(422, "Invalid request", "If-Match and version disagree",
                           [{"field": "version", "message": "differs from If-Match"}])
    return version


IF_MATCH_DESCRIPTION = "ETag of the version you read (`ETag` of the GET); required on PATCH, optional on DELETE"
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=20, pattern=ETAG_PATTERN,
                                       description=IF_MATCH_DESCRIPTION)]
