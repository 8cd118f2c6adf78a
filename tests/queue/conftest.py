"""Queue fixtures: a migrated database with the test actors' tables, and real worker processes.

Workers run as subprocesses (`dramatiq tasks queue_actors` or `bayflow worker queue_actors`)
with DATABASE_URL pointing at the test database and this folder on PYTHONPATH.
"""
from pathlib import Path

import psycopg
import pytest

from tests.support.processes import Workers

HERE = Path(__file__).resolve().parent


@pytest.fixture
def queue_db(db_url) -> str:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create table test_runs (key text primary key, pid int, at timestamptz default clock_timestamp())")
        conn.execute("create table test_attempts (key text, pid int, at timestamptz default clock_timestamp())")
    return db_url


@pytest.fixture
def workers(queue_db, tmp_path):
    """`workers.start(processes, threads, command="dramatiq" | "bayflow", **env)` on `queue_db`, 2 s leases."""
    group = Workers(tmp_path, modules=["queue_actors"], path=HERE, command="dramatiq", database_url=queue_db,
                    pythonpath=HERE, bayflow_job_lease_s=2)
    yield group
    group.close()
