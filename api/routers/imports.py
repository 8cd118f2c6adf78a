"""`/v1/imports`: upload a CSV of work orders (staff); it is stored and its import enqueued in one
transaction (202 with the import's id), then followed with `GET /v1/imports/{id}`.

The body is the CSV itself (`Content-Type: text/csv`) or a multipart form with a `file`
field. The file is read and checked (size, encoding, header, row count) before the
request's database transaction begins, so a large upload never holds one open.
"""
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import Connection, Principal, require_roles, verified_claims
from api.import_status import status_document
from api.problems import ProblemError
from api.queries import load
from api.schemas.common import NO_NUL
from api.schemas.imports import ImportAccepted, ImportMode, ImportStatus
from pipelines.csv_file import CsvFileError, CsvSummary
from pipelines.imports import DEFAULT_SOURCE, UploadTooLarge, check_upload
from tasks.integration_starts import astart_import

router = APIRouter(prefix="/v1/imports", tags=["imports"])
Staff = Annotated[Principal, Depends(require_roles("admin", "dispatcher"))]

_MULTIPART_OVERHEAD = 64 * 1024
SQL = load("imports")


def too_large(detail: str) -> ProblemError:
    return ProblemError(413, "Payload too large", detail)


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The raw body, or 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(f"the body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(f"the body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    summary: CsvSummary


async def read_upload(request: Request, claims: Annotated[dict, Depends(verified_claims)],
                      filename: Annotated[str | None, Query(max_length=255, pattern=NO_NUL,
                                                         description="name to record for a raw text/csv body")] = None) -> Upload:
    """The uploaded file, checked; read after the token is verified and before any transaction."""
    limit = request.app.state.settings.bayflow_import_max_bytes
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        declared = request.headers.get("content-length")
        if not (declared and declared.isdigit()):
            raise ProblemError(411, "Length required", "a multipart upload needs a Content-Length header")
        if int(declared) > limit + _MULTIPART_OVERHEAD:
            raise too_large(f"the upload is {declared} bytes; the limit is {limit} (BAYFLOW_IMPORT_MAX_BYTES)")
        form = await request.form(max_files=1, max_fields=10)
        file = form.get("file")
        if file is None or isinstance(file, str):
            raise ProblemError(422, "Invalid request", "the form needs a `file` field with the CSV",
                               [{"field": "file", "message": "field required"}])
        content = await file.read()
        name = file.filename or filename or "upload.csv"
    elif content_type in ("text/csv", "application/csv", "text/plain", "application/octet-stream"):
        content = await read_limited_body(request, limit)
        name = filename or "upload.csv"
    else:
        raise ProblemError(415, "Unsupported media type",
                           "send the CSV as the body (Content-Type: text/csv) or as `file` of a multipart form")
    try:
        summary = await run_in_threadpool(check_upload, content, request.app.state.settings)
    except UploadTooLarge as exc:
        raise too_large(str(exc)) from None
    except CsvFileError as exc:
        raise ProblemError(422, "Unreadable CSV", str(exc), [{"field": "file", "message": str(exc)}]) from None
    return Upload(name, content, summary)


# The body is read by `read_upload`, not by FastAPI: its two forms are declared here.
UPLOAD_BODY = {"requestBody": {"required": True, "description": "the CSV file (UTF-8; docs/csv-format.md)", "content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "the CSV file"}}}},
}}}


@router.post("", status_code=202, response_model=ImportAccepted, openapi_extra=UPLOAD_BODY,
             responses={411: {"description": "A multipart upload without Content-Length"}},
             summary="Import work orders (and their tasks) from a CSV file")
async def create_import(
    upload: Annotated[Upload, Depends(read_upload)], conn: Connection, principal: Staff, response: Response,
    mode: Annotated[ImportMode, Query(description="all_or_nothing: any bad row rejects the file; good_rows: import the good rows")] = "all_or_nothing",
    source: Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[^\x00]*\S[^\x00]*$",
                                 description="source of rows without a `source` column")] = DEFAULT_SOURCE,
):
    import_id = await astart_import(conn, upload.filename, upload.content, upload.summary, mode=mode,
                                    source=source, created_by=principal.profile_id)
    response.headers["Location"] = f"/v1/imports/{import_id}"
    return {"id": import_id, "status": "queued", "mode": mode, "rows": upload.summary.rows,
            "unknown_columns": upload.summary.unknown_columns}


@router.get("", response_model=list[ImportStatus], summary="Recent imports, newest first")
async def list_imports(conn: Connection, principal: Staff,
                       limit: Annotated[int, Query(ge=1, le=100)] = 20):
    rows = (await conn.execute(SQL.recent_imports.text, {"limit": limit})).mappings().all()
    return [status_document(row) for row in rows]


@router.get("/{import_id}", response_model=ImportStatus, summary="Status, progress counts and per-row errors of an import")
async def get_import(import_id: UUID, conn: Connection, principal: Staff):
    row = (await conn.execute(SQL.import_.text, {"id": import_id})).mappings().first()
    if row is None:
        raise ProblemError(404, "Not found", f"no import {import_id}")
    return status_document(row)
