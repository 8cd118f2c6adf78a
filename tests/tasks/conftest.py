"""Queue fixtures: a migrated database with the test actors' tables, and real worker processes.

Workers run as subprocesses (`dramatiq tasks tests.tasks.queue_actors` or `bayflow worker ...`) from the
repository root, with DATABASE_URL pointing at the test database.
"""
import psycopg
import pytest

from bayflow.paths import ROOT
from tests.support.processes import Workers


@pytest.fixture
def queue_db(db_url) -> str:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create table test_runs (key text primary key, pid int, at timestamptz default clock_timestamp())")
        conn.execute("create table test_attempts (key text, pid int, at timestamptz default clock_timestamp())")
    return db_url


@pytest.fixture
def workers(queue_db, tmp_path):
    """`workers.start(processes, threads, command="dramatiq" | "bayflow", **env)` on `queue_db`, 2 s leases."""
    group = Workers(tmp_path, modules=["tests.tasks.queue_actors"], path=ROOT, command="dramatiq",
                    database_url=queue_db, pythonpath=ROOT, bayflow_job_lease_s=2)
    yield group
    group.close()
