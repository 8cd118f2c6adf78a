"""Actors the queue tests run in real worker processes (`dramatiq tasks tests.tasks.queue_actors`)."""
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


def _attempt(key: str) -> int:
    """Record a run of `key`; return how many runs it has had."""
    conn = _conn()
    conn.execute("insert into test_attempts (key, pid) values (%s, %s)", (key, os.getpid()))
    return conn.execute("select count(*) from test_attempts where key = %s", (key,)).fetchone()[0]


@dramatiq.actor(max_retries=0)
def exhausted(message: dict, retry_info: dict) -> None:
    """on_retry_exhausted handler: records `exhausted:<key>` with the retries Retries reported."""
    key = f"exhausted:{message['args'][0]}:{retry_info['retries']}"
    _conn().execute("insert into test_runs (key, pid) values (%s, %s)", (key, os.getpid()))


@dramatiq.actor(max_retries=2, on_retry_exhausted="exhausted", **FAST_RETRY)
def always_fails(key: str) -> None:
    _attempt(key)
    raise ValueError(f"cannot process {key}")


def retry_runtime_errors_three_times(retries: int, exception: BaseException) -> bool:
    return retries < 3 and isinstance(exception, RuntimeError)


@dramatiq.actor(retry_when=retry_runtime_errors_three_times, max_retries=0, min_backoff=0, max_backoff=0,
                on_retry_exhausted="exhausted")
def fails_conditionally(key: str, runtime_error: bool) -> None:
    """retry_when decides, not max_retries=0 (as in dramatiq's test_actors_can_conditionally_retry)."""
    _attempt(key)
    raise RuntimeError(key) if runtime_error else ValueError(key)


@dramatiq.actor(max_retries=None, min_backoff=0, max_backoff=0)
def fails_until(key: str, succeeding_run: int) -> None:
    """max_retries=None: retried for ever; succeeds on its `succeeding_run`th run."""
    if _attempt(key) < succeeding_run:
        raise RuntimeError(f"run {key} again")


@dramatiq.actor(store_results=True)
def add(a: int, b: int) -> int:
    return a + b


@dramatiq.actor(store_results=True)
def describe(total: int) -> str:
    return f"total={total}"


@dramatiq.actor
def noop() -> None:
    pass
