"""Single-row SQL shared by the resource routers: fetch, insert, versioned update and delete.

The one place the API builds SQL in Python: the statements are the same for every resource
table but their identifiers. A table must be one of `TABLES`; column names come from the
request models (which forbid unknown fields), must look like plain column names and are
quoted. Every value is a bind parameter.
"""
import re

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

from api.concurrency import etag
from api.problems import ProblemError
from bayflow.queries import Query

TABLES = frozenset({"public.bays", "public.calendar_events", "public.tasks", "public.technicians",
                    "public.work_orders"})
# The columns a statement returns: one of the routers' column lists (plain names, casts and aliases).
_RETURNING = re.compile(r"[a-z_][a-z0-9_]*(\s*,\s*[a-z_][a-z0-9_]*)*")
_COLUMN = re.compile(r"[a-z_][a-z0-9_]*")


async def fetch_one(conn: AsyncConnection, query: Query, params: dict, noun: str, row_id):
    """The row the named `query` selects, or 404 (also when RLS hides it: never 403 for a hidden row)."""
    return await _one_or_404(conn, query.text, params, noun, row_id)


async def _one_or_404(conn: AsyncConnection, clause: TextClause, params: dict, noun: str, row_id):
    row = (await conn.execute(clause, params)).first()
    if row is None:
        raise ProblemError(404, "Not found", f"no {noun} {row_id}")
    return row


def _table(table: str) -> str:
    if table not in TABLES:
        raise ValueError(f"{table!r} is not a table the generic row statements may touch")
    return table


def _returning(columns: str) -> str:
    columns = " ".join(columns.split())
    if not _RETURNING.fullmatch(columns):
        raise ValueError(f"not a plain column list: {columns!r}")
    return columns


def _column(name: str) -> str:
    if not _COLUMN.fullmatch(name):
        raise ValueError(f"not a plain column name: {name!r}")
    return f'"{name}"'


async def insert_row(conn: AsyncConnection, table: str, columns: str, values: dict):
    """`insert into <table> (<keys of values>) values (...) returning <columns>`."""
    names = ", ".join(_column(k) for k in values)
    params = ", ".join(f":{k}" for k in values)
    sql = f"insert into {_table(table)} ({names}) values ({params}) returning {_returning(columns)}"
    return (await conn.execute(text(sql), values)).one()


async def update_versioned(conn: AsyncConnection, table: str, columns: str, row_id, changes: dict,
                           version: int, noun: str):
    """`update <table> set <changes> where id = :id and version = :version returning <columns>`;
    404 when the caller cannot see the row, 409 when it changed since `version`."""
    table, columns = _table(table), _returning(columns)
    if changes:
        assignments = ", ".join(f"{_column(col)} = :{col}" for col in changes)
        sql = f"update {table} set {assignments} where id = :id and version = :version returning {columns}"
    else:  # nothing to change: still check the version the client holds
        sql = f"select {columns} from {table} where id = :id and version = :version"
    row = (await conn.execute(text(sql), {**changes, "id": row_id, "version": version})).first()
    if row is None:
        await _missing_or_stale(conn, table, row_id, version, noun)
    return row


async def delete_versioned(conn: AsyncConnection, table: str, row_id, version: int | None, noun: str) -> None:
    """Delete the row (at `version`, when the client sent one); 404 / 409 as for updates."""
    table = _table(table)
    sql = f"delete from {table} where id = :id and (cast(:version as integer) is null or version = :version)" \
          " returning id"
    deleted = (await conn.execute(text(sql), {"id": row_id, "version": version})).first()
    if deleted is None:
        await _missing_or_stale(conn, table, row_id, version, noun)


async def read_one(conn: AsyncConnection, table: str, columns: str, row_id, noun: str):
    """`select <columns> from <table> where id = :id`, or 404."""
    sql = f"select {_returning(columns)} from {_table(table)} where id = :id"
    return await _one_or_404(conn, text(sql), {"id": row_id}, noun, row_id)


async def _missing_or_stale(conn, table: str, row_id, version, noun: str):
    current = (await conn.execute(text(f"select version from {table} where id = :id"), {"id": row_id})).scalar()
    if current is None:
        raise ProblemError(404, "Not found", f"no {noun} {row_id}")
    if version is not None and current != version:
        raise ProblemError(409, "Version conflict", f"{noun} {row_id} is at version {current}, you sent {version}",
                           [{"field": "version", "message": f"stale: current version is {current}"}],
                           headers={"ETag": etag(current)})
    raise ProblemError(403, "Forbidden", f"your role may not change this {noun}")


def patch_params(changes: dict, columns: tuple[str, ...]) -> dict:
    """The parameters of a fixed PATCH statement over `columns`: `<column>_set` (whether the request
    changes it) and `<column>` (its new value) for each, as `case when :x_set then :x else x end` reads them."""
    unknown = changes.keys() - set(columns)
    if unknown:
        raise ValueError(f"not columns of this PATCH: {sorted(unknown)}")
    return {**{f"{c}_set": c in changes for c in columns}, **{c: changes.get(c) for c in columns}}
