"""Integration fixtures: the API in process against a fresh shop, real worker processes, real
HTTP receivers on 127.0.0.1 and a CSV writer for work orders."""
import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bayflow.config import Settings, settings
from bayflow.database import database_url
from bayflow.seed import DEMO_SHOP, load_seed
from tests.api.conftest import ADMIN, DISPATCHER, HS256_SECRET, TECH_A, seed_people, supabase_auth  # noqa: F401

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout: float, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def query(url: str, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def scalar(url: str, sql: str, params=()):
    return query(url, sql, params)[0][0]


def work_orders_csv(rows: list[dict], delimiter: str = ",") -> bytes:
    """A CSV with the union of the rows' keys as its header, in first-seen order."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def env(monkeypatch):
    """Set environment variables for this test and re-read settings()."""
    def set_env(**values) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key.upper(), str(value))
        settings.cache_clear()
    yield set_env
    settings.cache_clear()


def _use_database(monkeypatch, db_url: str):
    """DATABASE_URL (and the cached settings and URL read from it) point at `db_url` for the test."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    settings.cache_clear()
    database_url.cache_clear()
    yield db_url
    settings.cache_clear()
    database_url.cache_clear()


@pytest.fixture
def shop_db(db_url, monkeypatch) -> str:
    """A fresh database with an admin, a dispatcher and two technicians."""
    with psycopg.connect(db_url) as conn:
        seed_people(conn)
    yield from _use_database(monkeypatch, db_url)


@pytest.fixture
def demo_shop_db(db_url, monkeypatch, tmp_path) -> str:
    """The demo shop's people, technicians with shifts and bays, without its work orders."""
    seed = json.loads(DEMO_SHOP.read_text(encoding="utf-8"))
    seed["work_orders"] = []
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    with psycopg.connect(db_url) as conn:
        load_seed(conn, path)
    yield from _use_database(monkeypatch, db_url)


@pytest.fixture
def make_client(supabase_auth, tmp_path):  # noqa: F811
    """`make_client(db_url, **settings)` -> a TestClient of the app on that database."""
    clients = []

    def make(db_url: str, **overrides) -> TestClient:
        s = Settings(database_url=db_url, supabase_url=supabase_auth.url, supabase_jwt_secret=HS256_SECRET,
                     bayflow_jwks_cooldown_s=0, bayflow_home=tmp_path, bayflow_api_pool_size=2, **overrides)
        client = TestClient(create_app(s), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def auth(supabase_auth):  # noqa: F811
    """`auth(profile_id)` -> headers with a valid bearer token for that user."""
    return lambda sub, **extra: {"Authorization": f"Bearer {supabase_auth.token(sub)}", **extra}


class Workers:
    """`bayflow worker` process groups on the test database; killed at teardown."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self, db_url: str, *, processes: int = 1, threads: int = 4, **env) -> subprocess.Popen:
        environ = {**os.environ, "DATABASE_URL": db_url, "BAYFLOW_JOB_LEASE_S": "5", "dramatiq_restart_delay": "300",
                   **{k.upper(): str(v) for k, v in env.items()}}
        for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
            environ.pop(key, None)  # plans come from the CSV's tasks or the canned jobs, never a real LLM
        log = open(self.log_dir / f"workers-{len(self.procs)}.log", "w")
        proc = subprocess.Popen([str(BIN / "bayflow"), "worker", "-p", str(processes), "-t", str(threads)],
                                cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def log(self, index: int = 0) -> str:
        return (self.log_dir / f"workers-{index}.log").read_text()

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def workers(tmp_path):
    group = Workers(tmp_path)
    yield group
    group.close()


class Receiver:
    """An HTTP receiver on 127.0.0.1 whose answers are scripted per request:
    an int (status code) or "hang" (never answers within the client's timeout)."""

    def __init__(self, script: list, default=200) -> None:
        self.script = list(script)
        self.default = default
        self.requests: list[dict] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "at": time.time()})
                answer = receiver.script.pop(0) if receiver.script else receiver.default
                if answer == "hang":
                    receiver.release.wait(30)
                    return
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    """`receiver([500, 200])` -> a Receiver answering 500 then 200 (then 200)."""
    made = []

    def make(script=(), default=200) -> Receiver:
        made.append(Receiver(list(script), default))
        return made[-1]

    yield make
    for r in made:
        r.close()
