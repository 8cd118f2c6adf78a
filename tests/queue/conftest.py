"""Queue fixtures: a migrated database with the test actors' tables, and real worker processes.

Workers run as subprocesses (`dramatiq tasks queue_actors` or `bayflow worker queue_actors`)
with DATABASE_URL pointing at the test database and this folder on PYTHONPATH.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def wait_until(predicate, timeout: float, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def scalar(url: str, sql: str, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()[0]


@pytest.fixture
def queue_db(db_url) -> str:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create table test_runs (key text primary key, pid int, at timestamptz default clock_timestamp())")
        conn.execute("create table test_attempts (key text, pid int, at timestamptz default clock_timestamp())")
    return db_url


class Workers:
    """Worker process groups started for one test; whatever is left is killed at teardown."""

    def __init__(self, db_url: str, log_dir: Path) -> None:
        self.db_url = db_url
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self, processes: int = 2, threads: int = 4, *, command: str = "dramatiq", **env) -> subprocess.Popen:
        environ = {**os.environ, "DATABASE_URL": self.db_url, "PYTHONPATH": str(HERE),
                   "BAYFLOW_JOB_LEASE_S": "2", "dramatiq_restart_delay": "300", **env}
        if command == "bayflow":
            argv = [str(BIN / "bayflow"), "worker", "queue_actors", "-p", str(processes), "-t", str(threads),
                    "--path", str(HERE)]
        else:
            argv = [str(BIN / "dramatiq"), "tasks", "queue_actors", "-p", str(processes), "-t", str(threads),
                    "--path", str(HERE)]
        log = open(self.log_dir / f"workers-{len(self.procs)}.log", "w")
        proc = subprocess.Popen(argv, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 30) -> int:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout)

    def log(self, index: int = 0) -> str:
        return (self.log_dir / f"workers-{index}.log").read_text()

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def workers(queue_db, tmp_path):
    group = Workers(queue_db, tmp_path)
    yield group
    group.close()
