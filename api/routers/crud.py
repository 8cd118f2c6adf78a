"""Read-one, create, update and delete routes of a plain resource table (technicians, bays,
calendar events); each resource module adds its own list route with its filters."""
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.concurrency import IfMatch, etag, expected_version, set_etag
from api.deps import Connection, require_roles
from api.idempotency import Idempotent
from api.rows import delete_versioned, insert_row, read_one, update_versioned
from api.schemas.common import RequestModel, ResponseModel, UpdateModel


def add_item_routes(router: APIRouter, *, table: str, columns: str, noun: str, model: type[ResponseModel],
                    create: type[RequestModel], update: type[UpdateModel]) -> None:
    """GET/PATCH/DELETE `/{id}` and POST `` on `router`; writes need the admin or dispatcher role."""
    staff = [Depends(require_roles("admin", "dispatcher"))]

    async def read(item_id: UUID, conn: Connection, response: Response):
        row = await read_one(conn, table, columns, item_id, noun)
        set_etag(response, row.version)
        return row._mapping

    async def create_item(body: create, conn: Connection, idem: Idempotent):  # type: ignore[valid-type]
        if idem.replay:
            return idem.replay
        row = model.model_validate(dict((await insert_row(conn, table, columns, body.model_dump()))._mapping))
        return await idem.respond(201, row, {"ETag": etag(row.version), "Location": f"{router.prefix}/{row.id}"})

    async def update_item(item_id: UUID, body: update, conn: Connection,  # type: ignore[valid-type]
                          response: Response, if_match: IfMatch = None):
        version = expected_version(if_match, body.version)
        row = await update_versioned(conn, table, columns, item_id, body.changes(), version, noun)
        set_etag(response, row.version)
        return row._mapping

    async def delete_item(item_id: UUID, conn: Connection, if_match: IfMatch = None):
        version = expected_version(if_match, None) if if_match else None
        await delete_versioned(conn, table, item_id, version, noun)

    router.add_api_route("/{item_id}", read, methods=["GET"], response_model=model, name=f"get {noun}")
    router.add_api_route("", create_item, methods=["POST"], status_code=201, response_model=model,
                         dependencies=staff, name=f"create {noun}")
    router.add_api_route("/{item_id}", update_item, methods=["PATCH"], response_model=model,
                         dependencies=staff, name=f"update {noun}")
    router.add_api_route("/{item_id}", delete_item, methods=["DELETE"], status_code=204,
                         dependencies=staff, name=f"delete {noun}")
