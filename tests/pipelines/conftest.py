"""The pipeline under test runs as it does in production: `bayflow api` (uvicorn) and
`bayflow worker` (dramatiq) as subprocesses on a fresh database, real CP-SAT with a short
time limit, tokens from bayflow's dev issuer verified over HTTP."""
import json
import socket
import threading
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from api.dev_issuer import DevIssuer
from bayflow.config import Settings
from bayflow.seed import DEMO_SHOP, load_seed
from tests.support import shop
from tests.support.environment import child_environment
from tests.support.polling import wait_until
from tests.support.processes import BAYFLOW, ProcessGroups, Workers, free_port, wait_until_serving
from tests.support.servers import Receiver
from tests.support.sql import query

# The shared shop's people as the API's JSON spells their ids.
ADMIN, DISPATCHER, TECH_ANA, TECH_BEN, TECHNICIAN_ANA, TECHNICIAN_BEN = (str(person) for person in (
    shop.ADMIN, shop.DISPATCHER, shop.TECH_ANA, shop.TECH_BEN, shop.TECHNICIAN_ANA, shop.TECHNICIAN_BEN))

# Short solves, quick retries, a short coalescing window: the whole folder stays fast.
PIPELINE_ENV = {
    "BAYFLOW_SOLVER_TIME_LIMIT_S": "2",
    "BAYFLOW_SOLVER_WORKERS": "1",
    "BAYFLOW_PIPELINE_MAX_RETRIES": "2",
    "BAYFLOW_PIPELINE_MIN_BACKOFF_MS": "100",
    "BAYFLOW_PIPELINE_MAX_BACKOFF_MS": "200",
    "BAYFLOW_PIPELINE_SCHEDULE_DELAY_MS": "1500",
}


def seed_shop(conn) -> None:
    """The shared shop: its people and its two lifts. No shifts: always available."""
    shop.seed_people(conn)
    shop.seed_lifts(conn)


class Stack:
    """A database with the API and workers running on it."""

    def __init__(self, db_url: str, home: Path, env: dict[str, str]):
        self.db_url = db_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**child_environment(**PIPELINE_ENV, database_url=db_url, bayflow_home=home,
                                        bayflow_api_host="127.0.0.1", bayflow_api_port=self.port, pythonunbuffered=1),
                    **env}
        self.issuer = DevIssuer(Settings(bayflow_home=home, bayflow_api_host="127.0.0.1", bayflow_api_port=self.port))
        logs = home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.processes = ProcessGroups(logs)
        self.streams: list["EventStream"] = []
        self.http = httpx.Client(base_url=self.base, timeout=30)

    def start(self) -> "Stack":
        self.processes.spawn("api", [BAYFLOW, "api"], self.env)
        self.processes.spawn("worker", [BAYFLOW, "worker", "tasks.pipeline_actors",
                                        "--processes", "1", "--threads", "4"], self.env)
        # imports are slow on a loaded machine
        wait_until_serving(f"{self.base}/auth/v1/.well-known/jwks.json", self.processes.procs, 60,
                           details=lambda: f"{self.log('api')}\n--- worker ---\n{self.log('worker')}")
        return self

    def log(self, name: str) -> str:
        return self.processes.log(name)[-6000:]

    def stop(self) -> None:
        for stream in self.streams:
            stream.close()
        self.http.close()
        self.processes.close(grace_s=20)

    # -- helpers ---------------------------------------------------------------------
    def token(self, user_id: str) -> str:
        return self.issuer.mint(user_id, None, 600)

    def headers(self, user_id: str) -> dict:
        return {"Authorization": f"Bearer {self.token(user_id)}"}

    def call(self, method: str, path: str, user_id: str = DISPATCHER, **kwargs) -> httpx.Response:
        return self.http.request(method, path, headers=self.headers(user_id), **kwargs)

    def sql(self, sql: str, params=()) -> list[tuple]:
        return query(self.db_url, sql, params)

    def wait_until(self, what: str, check, timeout_s: float = 45.0):
        """`check()`'s first truthy value; on timeout the failure shows the worker's log."""
        return wait_until(check, timeout_s, message=what, details=lambda: f"--- worker log ---\n{self.log('worker')}")

    def run_of(self, work_order_id: str) -> tuple | None:
        rows = self.sql("select id::text, status, step, error from public.pipeline_runs where work_order_id = %s"
                        " order by created_at desc limit 1", (work_order_id,))
        return rows[0] if rows else None

    def wait_finished(self, work_order_id: str, timeout_s: float = 45.0) -> tuple:
        return self.wait_until(f"the pipeline of {work_order_id} finished",
                               lambda: (r := self.run_of(work_order_id)) and r[1] in ("succeeded", "failed") and r,
                               timeout_s)

    def queue_drained(self) -> bool:
        return not self.sql("select 1 from public.job_queue where status in ('queued', 'running') limit 1")


def _start_stack(new_database, home: Path, env: dict[str, str] | None = None) -> Stack:
    db_url = new_database()
    with psycopg.connect(db_url) as conn:
        seed_shop(conn)
    stack = Stack(db_url, home, env or {})
    try:
        return stack.start()
    except BaseException:
        stack.stop()
        raise


@pytest.fixture
def stack_factory(new_database, tmp_path):
    """`start(env={})`: a seeded database of its own with API and workers (extra environment for both)."""
    stacks = []

    def start(env: dict[str, str] | None = None) -> Stack:
        stacks.append(_start_stack(new_database, tmp_path / f"home-{len(stacks)}", env))
        return stacks[-1]

    yield start
    for stack in stacks:
        stack.stop()
        new_database.release(stack.db_url)


@pytest.fixture
def stack(stack_factory) -> Stack:
    """Without API keys (enrichment by rules, plans from canned jobs), for one test."""
    return stack_factory()


@pytest.fixture(scope="module")
def shared_stack(new_database, tmp_path_factory) -> Stack:
    """The same, shared by a module's tests: they look only at their own work orders."""
    stack = _start_stack(new_database, tmp_path_factory.mktemp("stack"))
    yield stack
    stack.stop()
    new_database.release(stack.db_url)


class EventStream:
    """An SSE client of GET /v1/events, reading in a thread; `events` fills as they arrive."""

    def __init__(self, stack: Stack, user_id: str, last_event_id: int | None = None):
        self.events: list[dict] = []
        self.connected = threading.Event()
        self.live = threading.Event()  # replayed events (Last-Event-ID) all received
        self._socket = None
        self._client = httpx.Client(base_url=stack.base, timeout=httpx.Timeout(5, read=60))
        self._headers = stack.headers(user_id)
        if last_event_id is not None:
            self._headers["Last-Event-ID"] = str(last_event_id)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        stack.streams.append(self)
        assert self.connected.wait(15), "the event stream did not connect"

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/v1/events", headers=self._headers) as response:
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                assert response.status_code == 200, response.read()
                assert response.headers["content-type"].startswith("text/event-stream")
                event: dict = {}
                for line in response.iter_lines():
                    if line.startswith(": connected"):
                        self.connected.set()
                    elif line.startswith(": live"):
                        self.live.set()
                    elif line.startswith("event: "):
                        event["type"] = line[7:]
                    elif line.startswith("id: "):
                        event["id"] = int(line[4:])
                    elif line.startswith("data: "):
                        event["data"] = json.loads(line[6:])
                    elif line == "" and event:
                        self.events.append(event)
                        event = {}
        except (httpx.TransportError, RuntimeError, OSError):
            pass  # closed by the test

    def of_type(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["type"] == kind]

    def close(self) -> None:
        """Hang up (the reading thread is blocked in a read: shut the socket under it)."""
        if self._socket is not None and self._thread.is_alive():
            self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)
        self._client.close()


def new_work_order(**fields) -> dict:
    return {"description": "Customer reports grinding noise: replace front brake pads", "priority": 3,
            "customer_name": "Jo Doe", "external_id": f"t-{uuid.uuid4().hex[:8]}", **fields}


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
def workers(tmp_path):
    """`workers.start(database_url=..., **env)`: `bayflow worker` process groups, killed at teardown."""
    group = Workers(tmp_path)
    yield group
    group.close()


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
