"""Integration fixtures: the API in process against a fresh shop, real worker processes, real
HTTP receivers on 127.0.0.1 and a CSV writer for work orders."""
import csv
import io
import json
import threading
import time

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bayflow.seed import DEMO_SHOP, load_seed
from pipelines import imports
from tasks.starts import enqueue_work_order_flows
from tests.support.people import seed_people
from tests.support.processes import Workers
from tests.support.servers import LocalServer, QuietHandler


def work_orders_csv(rows: list[dict], delimiter: str = ",") -> bytes:
    """A CSV with the union of the rows' keys as its header, in first-seen order."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def shop_db(db_url, env) -> str:
    """A fresh database with an admin, a dispatcher and two technicians; DATABASE_URL for the test."""
    with psycopg.connect(db_url) as conn:
        seed_people(conn)
    env(database_url=db_url)
    return db_url


@pytest.fixture
def demo_shop_db(db_url, env, tmp_path) -> str:
    """The demo shop's people, technicians with shifts and bays, without its work orders; DATABASE_URL for the test."""
    seed = json.loads(DEMO_SHOP.read_text(encoding="utf-8"))
    seed["work_orders"] = []
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    with psycopg.connect(db_url) as conn:
        load_seed(conn, path)
    env(database_url=db_url)
    return db_url


@pytest.fixture
def make_client(supabase_auth, tmp_path):
    """`make_client(db_url, **settings)` -> a TestClient of the app on that database."""
    clients = []

    def make(db_url: str, **overrides) -> TestClient:
        client = TestClient(create_app(supabase_auth.app_settings(db_url, tmp_path, **overrides)),
                            raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def workers(tmp_path):
    """`workers.start(database_url=..., **env)`: `bayflow worker` process groups, killed at teardown."""
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

        class Handler(QuietHandler):
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

        self.server = LocalServer(Handler)
        self.url = f"{self.server.url}/hook"

    def close(self) -> None:
        self.release.set()
        self.server.close()


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


def run_import(import_id: str, **options) -> str:
    """What the `run_import` actor does: the import step, starting the pipelines of what it wrote."""
    return imports.run_import(import_id, start_flows=enqueue_work_order_flows, **options)
