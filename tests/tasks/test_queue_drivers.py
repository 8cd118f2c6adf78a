"""tasks/drivers.py: one unit of SQL work gives the same result under psycopg and SQLAlchemy,
in the caller's transaction."""
import asyncio

import psycopg
from sqlalchemy.ext.asyncio import create_async_engine

from bayflow.database import asyncpg_url
from bayflow.queries import parse
from tasks.drivers import arun, run
from tests.support.sql import scalar

QUERIES = parse("""
-- name: create_note
create table if not exists driver_notes (id int primary key, body text)
-- name: add_note
insert into driver_notes values (:id, :body) returning id
-- name: note_body
select body from driver_notes where id = :id::int
""")


def add_and_read(note_id: int):
    """Statements that depend on earlier rows: a statement without rows is sent None."""
    created = yield QUERIES["create_note"], {}
    (stored_id,) = yield QUERIES["add_note"], {"id": note_id, "body": f"note {note_id}"}
    missing = yield QUERIES["note_body"], {"id": -1}
    (body,) = yield QUERIES["note_body"], {"id": stored_id}
    return created, missing, body


def test_one_unit_runs_under_both_drivers_in_the_callers_transaction(db_url):
    with psycopg.connect(db_url) as conn:
        assert run(conn, add_and_read(1)) == (None, None, "note 1")

    async def through_sqlalchemy():
        engine = create_async_engine(asyncpg_url(db_url))
        async with engine.connect() as conn:
            outcome = await arun(conn, add_and_read(2))
            await conn.rollback()  # the unit wrote nothing of its own: the caller's rollback undoes it
        await engine.dispose()
        return outcome

    assert asyncio.run(through_sqlalchemy()) == (None, None, "note 2")
    assert scalar(db_url, "select string_agg(body, ',') from driver_notes") == "note 1"
