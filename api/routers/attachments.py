"""Photos and files attached to tasks: upload, list, read (with short-lived signed download URLs),
download through those URLs, delete (staff).

RLS decides who sees what: a technician the attachments of their own tasks (404 for anyone
else's task), staff all. An upload is streamed to a temporary file, capped and hashed, checked by
its content, stripped of metadata (api/attachment_content.py), stored (bayflow/storage.py), then
recorded; the request's database connection is taken only around the short checks and the
insert, not while the file arrives. A failed upload leaves no row and no stored object.
"""
import hashlib
import logging
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.concurrency import run_in_threadpool

from api.attachment_content import Refused, prepare
from api.deps import Connection, begin_as_caller, require_roles, verified_claims
from api.download_links import VARIANTS, LinkSigner, signing_key
from api.idempotency import Idempotency
from api.problems import ProblemError
from api.queries import load
from api.rows import fetch_one
from api.schemas.attachments import Attachment
from api.uploads import receive_upload
from bayflow.storage import ObjectMissing, Storage, StorageUnavailable, open_storage

router = APIRouter(tags=["attachments"])
log = logging.getLogger(__name__)

SQL = load("attachments")
STORED_TYPES = ("image/jpeg", "image/png", "application/pdf")


_UPLOAD_BODY = {
    "required": True,
    "description": "the file as the raw body (its Content-Type), or multipart/form-data with a `file` part. "
                   "JPEG, PNG, HEIC or PDF, checked by content; at most BAYFLOW_ATTACHMENT_MAX_BYTES.",
    "content": {
        **{t: {"schema": {"type": "string", "format": "binary"}}
           for t in ("image/jpeg", "image/png", "image/heic", "application/pdf", "application/octet-stream")},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                           "properties": {"file": {"type": "string", "format": "binary"}}}},
    },
}


def object_keys(attachment_id: UUID) -> tuple[str, str]:
    """Where an attachment's file and its thumbnail are stored."""
    return f"attachments/{attachment_id}", f"attachments/{attachment_id}.thumbnail.jpg"


def storage(request: Request) -> Storage:
    """The app's storage backend, opened on first use."""
    state = request.app.state
    if getattr(state, "storage", None) is None:
        state.storage = open_storage(state.settings)
    return state.storage


def link_signer(request: Request) -> LinkSigner:
    state = request.app.state
    if getattr(state, "link_signer", None) is None:
        state.link_signer = LinkSigner(signing_key(state.settings), state.settings.bayflow_attachment_url_ttl_s)
    return state.link_signer


def describe(request: Request, row) -> dict:
    """The attachment as the API shows it, with fresh signed download URLs."""
    signer = link_signer(request)
    base = (request.app.state.settings.bayflow_public_url or str(request.base_url)).rstrip("/")
    query, expires = signer.query(row.id, "content", row.content_type)
    thumbnail = None
    if row.thumbnail_key:
        thumb_query, _ = signer.query(row.id, "thumbnail", "image/jpeg")
        thumbnail = f"{base}/v1/attachments/{row.id}/content?{thumb_query}"
    return {**{k: getattr(row, k) for k in ("id", "task_id", "work_order_id", "uploaded_by", "content_type", "size",
                                            "sha256", "created_at")},
            "url": f"{base}/v1/attachments/{row.id}/content?{query}", "thumbnail_url": thumbnail,
            "url_expires_at": datetime.fromtimestamp(expires, timezone.utc)}


@asynccontextmanager
async def _as_caller(request: Request, claims: dict) -> AsyncIterator[AsyncConnection]:
    """A transaction acting as the caller (as every request's is), committed on exit."""
    async with request.app.state.connections.connect() as conn, conn.begin():
        if await begin_as_caller(conn, request, claims) is None:
            raise ProblemError(403, "Forbidden", "this user has no bayflow profile")
        yield conn


async def _visible_task(conn: AsyncConnection, task_id: UUID):
    return await fetch_one(conn, SQL.task, {"id": task_id}, "task", task_id)


@router.post("/v1/tasks/{task_id}/attachments", status_code=201, response_model=Attachment,
             openapi_extra={"requestBody": _UPLOAD_BODY},
             responses={200: {"model": Attachment, "description": "this file was already attached to the task"}})
async def upload_attachment(
    task_id: UUID, request: Request, claims: Annotated[dict, Depends(verified_claims)],
    key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255,
                                      description="retry-safe upload: the same key and file replay the answer")] = None,
):
    """Attach a photo or file to a task (the caller's own task, for a technician). The same file
    (sha256) on the same task is one attachment: a second upload answers 200 with the first."""
    settings = request.app.state.settings
    async with _as_caller(request, claims) as conn:  # refuse before the body is read
        await _visible_task(conn, task_id)
    store = storage(request)
    stored: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bayflow-upload-") as work:
        received = await receive_upload(request, Path(work) / "upload", settings.bayflow_attachment_max_bytes)
        request_hash = hashlib.sha256(f"POST {request.url.path}\n{received.sha256}".encode()).hexdigest()
        try:
            async with _as_caller(request, claims) as conn:
                idem = Idempotency(conn, claims["sub"], key, request_hash)
                if key is not None:
                    await idem.load()
                    if idem.replay:
                        return idem.replay
                task = await _visible_task(conn, task_id)  # it may have been reassigned meanwhile
                same = (await conn.execute(SQL.same_file.text, {"task_id": task_id, "sha256": received.sha256})).first()
                if same is not None:
                    return await idem.respond(200, describe(request, same), {})
                try:
                    prepared = await run_in_threadpool(prepare, received.path, Path(work))
                except Refused as e:
                    raise ProblemError(422, "Unsupported file", e.message, [{"field": "file", "message": e.message}])
                attachment_id = uuid.uuid4()
                content_key, thumbnail_key = object_keys(attachment_id)
                try:
                    stored.append(content_key)
                    await run_in_threadpool(store.put, content_key, prepared.path, prepared.content_type)
                    if prepared.thumbnail is not None:
                        stored.append(thumbnail_key)
                        await run_in_threadpool(store.put, thumbnail_key, prepared.thumbnail, "image/jpeg")
                except StorageUnavailable as e:
                    raise storage_unavailable(e) from e
                row = (await conn.execute(SQL.insert_attachment.text, {
                    "id": attachment_id, "task_id": task_id, "work_order_id": task.work_order_id,
                    "content_type": prepared.content_type, "size": received.size, "sha256": received.sha256,
                    "storage_key": content_key,
                    "thumbnail_key": thumbnail_key if prepared.thumbnail is not None else None})).first()
                if row is None:  # the same file arrived concurrently and was recorded first
                    await run_in_threadpool(_remove, store, stored)
                    stored.clear()
                    same = (await conn.execute(SQL.same_file.text,
                                               {"task_id": task_id, "sha256": received.sha256})).one()
                    return await idem.respond(200, describe(request, same), {})
                response = await idem.respond(201, describe(request, row),
                                              {"Location": f"/v1/attachments/{attachment_id}"})
        except BaseException:
            if stored:  # nothing half written: the row was not committed, so neither are its objects
                await run_in_threadpool(_remove, store, stored)
            raise
    return response


def _remove(store: Storage, keys: list[str]) -> None:
    """Delete the objects, as many as the storage allows: one that stays is logged by its key
    (after a deletion, `bayflow storage sweep` retries it)."""
    for key in keys:
        try:
            store.delete(key)
        except StorageUnavailable as e:
            log.error("could not remove stored object %s: %s", key, e)


def storage_unavailable(e: StorageUnavailable) -> ProblemError:
    """503: the file could not be stored or read now; a retry (the app's outbox) may succeed."""
    log.error("attachment storage failed: %s", e)
    return ProblemError(503, "Storage unavailable", "the file storage failed; nothing was saved, retry shortly",
                        headers={"Retry-After": "5"})


@router.get("/v1/tasks/{task_id}/attachments", response_model=list[Attachment])
async def list_task_attachments(task_id: UUID, request: Request, conn: Connection):
    await _visible_task(conn, task_id)
    rows = await conn.execute(SQL.task_attachments.text, {"id": task_id})
    return [describe(request, r) for r in rows]


@router.get("/v1/work_orders/{work_order_id}/attachments", response_model=list[Attachment])
async def list_work_order_attachments(work_order_id: UUID, request: Request, conn: Connection):
    """The attachments of the work order's tasks that the caller may see (a technician: their own tasks')."""
    rows = await conn.execute(SQL.work_order_attachments.text, {"id": work_order_id})
    return [describe(request, r) for r in rows]


@router.get("/v1/attachments/{attachment_id}", response_model=Attachment)
async def get_attachment(attachment_id: UUID, request: Request, conn: Connection):
    row = await fetch_one(conn, SQL.attachment, {"id": attachment_id},
                          "attachment", attachment_id)
    return describe(request, row)


@router.delete("/v1/attachments/{attachment_id}", status_code=204,
               dependencies=[Depends(require_roles("admin", "dispatcher"))])
async def delete_attachment(attachment_id: UUID, request: Request, conn: Connection, background: BackgroundTasks):
    """Delete the attachment; its stored objects are removed once the deletion is committed."""
    row = await fetch_one(conn, SQL.delete_attachment,
                          {"id": attachment_id}, "attachment", attachment_id)
    background.add_task(_remove, storage(request), [k for k in (row.storage_key, row.thumbnail_key) if k])


@router.get("/v1/attachments/{attachment_id}/content", response_class=StreamingResponse,
            responses={200: {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in STORED_TYPES},
                             "description": "the file"},
                       403: {"description": "the download link is invalid or expired"}})
async def download_attachment(
    attachment_id: UUID, request: Request,
    variant: Annotated[Literal[VARIANTS], Query(description="the file or its thumbnail, as signed")],
    content_type: Annotated[Literal[STORED_TYPES],
                            Query(alias="type", description="content type the link was signed for")],
    expires: Annotated[int, Query(ge=0, le=2**63 - 1, description="unix seconds")],
    signature: Annotated[str, Query(max_length=128)],
):
    """Download through a signed URL from the attachment's `url` / `thumbnail_url` (no bearer token)."""
    if not link_signer(request).valid(attachment_id, variant, content_type, expires, signature):
        raise ProblemError(403, "Forbidden", "the download link is invalid or expired; read the attachment again",
                           [{"field": "signature", "message": "invalid or expired"}])
    content_key, thumbnail_key = object_keys(attachment_id)
    try:
        chunks = await run_in_threadpool(storage(request).get, content_key if variant == "content" else thumbnail_key)
    except ObjectMissing:
        raise ProblemError(404, "Not found", f"no attachment {attachment_id}") from None
    except StorageUnavailable as e:
        raise storage_unavailable(e) from e
    ttl = request.app.state.settings.bayflow_attachment_url_ttl_s
    return StreamingResponse(chunks, media_type=content_type, headers={
        "Cache-Control": f"private, max-age={ttl}", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline"})
