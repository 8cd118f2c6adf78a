"""One definition of a unit of SQL work, run by either side's driver.

A unit is a generator: it yields `(query, params)` for each statement (a `bayflow.queries.Query`
with its `:name` parameters) and is sent back that statement's first row (None when it has no
row); what it returns is the unit's result. The logic, the statements and their parameters are
written once; `run` executes them on a psycopg connection (workers, CLI), `arun` on an
SQLAlchemy AsyncConnection (the API's request transaction), in that connection's transaction.

    def _start(kind):
        (run_id,) = yield queries.start_pipeline_run, {"kind": kind}
        return run_id

    run(conn, _start("reschedule"))             # psycopg
    await arun(conn, _start("reschedule"))      # SQLAlchemy
"""
from collections.abc import Generator
from typing import Any, TypeVar

from bayflow.queries import Query

Result = TypeVar("Result")
Unit = Generator[tuple[Query, dict], Any, Result]


def run(conn, unit: Unit[Result]) -> Result:
    """Execute the unit's statements on a psycopg connection."""
    row = None
    try:
        while True:
            query, params = unit.send(row)
            cursor = conn.execute(query.psycopg, params)
            row = cursor.fetchone() if cursor.description else None
    except StopIteration as done:
        return done.value


async def arun(conn, unit: Unit[Result]) -> Result:
    """Execute the unit's statements on an SQLAlchemy AsyncConnection."""
    row = None
    try:
        while True:
            query, params = unit.send(row)
            result = await conn.execute(query.text, params)
            row = result.first() if result.returns_rows else None
    except StopIteration as done:
        return done.value
