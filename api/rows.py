"""Single-row SQL shared by the resource routers: fetch, insert, versioned update and delete.

Table and column names are this API's own constants (request models forbid unknown
fields, so the keys of a change set are declared field names); every value is a bind
parameter.
"""
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.concurrency import etag
from api.problems import ProblemError


async def fetch_one(conn: AsyncConnection, sql: str, params: dict, noun: str, row_id):
    """The row `sql` selects, or 404 (also when RLS hides it: never 403 for a hidden row)."""
    row = (await conn.execute(text(sql), params)).first()
    if row is None:
        raise ProblemError(404, "Not found", f"no {noun} {row_id}")
    return row


async def insert_row(conn: AsyncConnection, table: str, columns: str, values: dict):
    """`insert into <table> (<keys of values>) values (...) returning <columns>`."""
    names = ", ".join(values)
    params = ", ".join(f":{k}" for k in values)
    sql = f"insert into {table} ({names}) values ({params}) returning {columns}"
    return (await conn.execute(text(sql), values)).one()


async def update_versioned(conn: AsyncConnection, table: str, columns: str, row_id, changes: dict,
                           version: int, noun: str):
    """`update <table> set <changes> where id = :id and version = :version returning <columns>`;
    404 when the caller cannot see the row, 409 when it changed since `version`."""
    if changes:
        assignments = ", ".join(f"{col} = :{col}" for col in changes)
        sql = f"update {table} set {assignments} where id = :id and version = :version returning {columns}"
    else:  # nothing to change: still check the version the client holds
        sql = f"select {columns} from {table} where id = :id and version = :version"
    row = (await conn.execute(text(sql), {**changes, "id": row_id, "version": version})).first()
    if row is None:
        await _missing_or_stale(conn, table, row_id, version, noun)
    return row


async def delete_versioned(conn: AsyncConnection, table: str, row_id, version: int | None, noun: str) -> None:
    """Delete the row (at `version`, when the client sent one); 404 / 409 as for updates."""
    if version is None:
        sql, params = f"delete from {table} where id = :id returning id", {"id": row_id}
    else:
        sql, params = f"delete from {table} where id = :id and version = :version returning id", \
            {"id": row_id, "version": version}
    deleted = (await conn.execute(text(sql), params)).first()
    if deleted is None:
        await _missing_or_stale(conn, table, row_id, version, noun)


async def _missing_or_stale(conn, table: str, row_id, version, noun: str):
    current = (await conn.execute(text(f"select version from {table} where id = :id"), {"id": row_id})).scalar()
    if current is None:
        raise ProblemError(404, "Not found", f"no {noun} {row_id}")
    if version is not None and current != version:
        raise ProblemError(409, "Version conflict", f"{noun} {row_id} is at version {current}, you sent {version}",
                           [{"field": "version", "message": f"stale: current version is {current}"}],
                           headers={"ETag": etag(current)})
    raise ProblemError(403, "Forbidden", f"your role may not change this {noun}")
