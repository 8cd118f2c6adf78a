"""Optimistic concurrency: a row's `version` is its ETag; writes name the version they read
(`If-Match` or `version` in the body) and a stale one gets 409."""
from typing import Annotated

from fastapi import Header, Response

from api.problems import ProblemError


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None, body_version: int | None) -> int:
    """The version the client read; 428 when it gave none."""
    if if_match is not None:
        tag = if_match.strip().removeprefix("W/").strip('"')
        if not tag.isdigit():
            raise ProblemError(422, "Invalid request", "If-Match must be an ETag this API returned",
                               [{"field": "If-Match", "message": "not a version ETag"}])
        if body_version is not None and body_version != int(tag):
            raise ProblemError(422, "Invalid request", "If-Match and version disagree",
                               [{"field": "version", "message": "differs from If-Match"}])
        return int(tag)
    if body_version is not None:
        return body_version
    raise ProblemError(428, "Precondition required",
                       "send If-Match with the ETag you read (or version in the body)",
                       [{"field": "If-Match", "message": "required"}])


IfMatch = Annotated[str | None, Header(alias="If-Match", description="ETag of the version you read")]
