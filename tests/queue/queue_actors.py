"""Actors the queue tests run in real worker processes (`dramatiq tasks queue_actors`)."""
import os
import threading
import time

import dramatiq
import psycopg

import tasks  # noqa: F401  (sets the broker chosen by BAYFLOW_BROKER)

_local = threading.local()
FAST_RETRY = {"min_backoff": 50, "max_backoff": 300}


def _conn() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed or conn.broken:
        conn = _local.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return conn


@dramatiq.actor(max_retries=0)
def record_once(key: str) -> None:
    """A second run of the same key violates test_runs' primary key and fails the job."""
    _conn().execute("insert into test_runs (key, pid) values (%s, %s)", (key, os.getpid()))


@dramatiq.actor(max_retries=20, **FAST_RETRY)
def record(key: str, seconds: float = 0.0) -> None:
    """Idempotent: counts every run in test_attempts, the key once in test_runs."""
    _conn().execute("insert into test_attempts (key, pid) values (%s, %s)", (key, os.getpid()))
    time.sleep(seconds)
    _conn().execute("insert into test_runs (key, pid) values (%s, %s) on conflict do nothing", (key, os.getpid()))


@dramatiq.actor(max_retries=2, **FAST_RETRY)
def always_fails(key: str) -> None:
    _conn().execute("insert into test_attempts (key, pid) values (%s, %s)", (key, os.getpid()))
    raise ValueError(f"cannot process {key}")


@dramatiq.actor(store_results=True)
def add(a: int, b: int) -> int:
    return a + b


@dramatiq.actor(store_results=True)
def describe(total: int) -> str:
    return f"total={total}"


@dramatiq.actor
def noop() -> None:
    pass
