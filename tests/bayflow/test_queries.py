"""bayflow/queries.py: named queries parse, and run under both drivers with one parameter style."""
import asyncio

import psycopg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bayflow.database import asyncpg_url
from bayflow.queries import QueryFileError, parse

SOURCE = """
-- A file comment before the first query is allowed.
-- name: due_after
-- only work orders due after the given moment
select id from public.work_orders
 where due_at > :after::timestamptz and customer_name like '%' || :suffix and id = any(:ids)

-- name: nothing_twice
select :x::int + :x::int as twice
"""


def test_a_file_parses_into_named_queries_with_their_parameters():
    queries = parse(SOURCE)
    assert list(queries) == ["due_after", "nothing_twice"]
    assert queries["due_after"].parameters == ("after", "suffix", "ids")
    assert "only work orders" not in queries["due_after"].sql
    assert queries["nothing_twice"].psycopg == "select %(x)s::int + %(x)s::int as twice"


@pytest.mark.parametrize("source, error", [
    ("select 1", "SQL before the first '-- name:' line"),
    ("-- name: a\nselect 1\n-- name: a\nselect 2", "'a' is defined twice"),
    ("-- name: a\n-- name: b\nselect 1", "'a' has no statement"),
])
def test_a_malformed_file_is_refused_with_what_is_wrong(source, error):
    with pytest.raises(QueryFileError, match=error):
        parse(source, "x.sql")


def test_one_query_runs_under_psycopg_and_sqlalchemy(db_url):
    query = parse(SOURCE)["nothing_twice"]
    with psycopg.connect(db_url) as conn:
        assert conn.execute(query.psycopg, {"x": 21}).fetchone()[0] == 42

    async def through_sqlalchemy():
        engine = create_async_engine(asyncpg_url(db_url))
        async with engine.connect() as conn:
            value = (await conn.execute(query.text, {"x": 21})).scalar()
        await engine.dispose()
        return value

    assert asyncio.run(through_sqlalchemy()) == 42


def test_literal_percent_and_arrays_pass_through_psycopg(db_url):
    query = parse(SOURCE)["due_after"]
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(query.psycopg, {"after": "2020-01-01", "suffix": "7", "ids": []}).fetchall()
    assert rows == []
