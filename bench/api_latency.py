"""Latency of `GET /v1/tasks` for a technician at 100 concurrent requests, against a real
uvicorn server (`bayflow api`) on 127.0.0.1 with the demo shop loaded.

Baseline in the same run: the dev JWKS endpoint (no auth, no database), i.e. the cost of
HTTP + uvicorn + FastAPI alone; the ratio shows what auth + the RLS transaction add.

The load generator is deliberately lean (HTTP/1.1 keep-alive on raw asyncio streams, one
connection per in-flight request) because it shares the cores with the server. The server is
started as `bayflow api` starts it (its options, its access log). Besides the client-side
latencies it prints CPU milliseconds per request of the uvicorn process and of the API's
Postgres backends (from /proc): less sensitive than latencies to other load on the machine.

    .venv/bin/python bench/api_latency.py [--requests 3000] [--concurrency 100]

Uses DATABASE_URL's server (else the embedded Postgres) and a scratch database dropped at the end.
"""
import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.dev_issuer import JWKS_PATH, DevIssuer  # noqa: E402
from bayflow.config import Settings  # noqa: E402
from bayflow.database import database_url, with_database  # noqa: E402
from bayflow.migrate import migrate  # noqa: E402
from bayflow.seed import load_demo_shop  # noqa: E402

TECH_EMAIL = "ana@demo.bayflow.dev"
SERIAL_REQUESTS = 300
_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Connection:
    """One keep-alive HTTP/1.1 connection sending the same GET again and again."""

    def __init__(self, port: int, request: bytes):
        self.port, self.request = port, request
        self.reader = self.writer = None

    async def get(self) -> tuple[int, bytes]:
        """(status, body) of one request; like any client, retries a GET once on a kept-alive
        connection the server had closed meanwhile."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        else:
            try:
                return await self._exchange()
            except (OSError, asyncio.IncompleteReadError):
                self.close()
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return await self._exchange()

    async def _exchange(self) -> tuple[int, bytes]:
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = dict(line.split(":", 1) for line in lines[1:] if line)
        fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
        if "content-length" not in fields:
            raise RuntimeError(f"response without Content-Length: {lines[0]}")
        body = await self.reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


@dataclass
class Run:
    latencies: list[float]
    failures: int
    wall_s: float


async def run(conns: list[Connection], requests: int) -> Run:
    """`requests` GETs, one in flight per connection."""
    latencies, failures, todo = [], 0, iter(range(requests))

    async def worker(conn: Connection):
        nonlocal failures
        for _ in todo:
            start = time.perf_counter()
            try:
                status, body = await conn.get()
            except (OSError, asyncio.IncompleteReadError):
                conn.close()
                failures += 1
                continue
            if status == 200:
                latencies.append(time.perf_counter() - start)
            else:
                failures += 1
                print(f"  {status} {body[:120]!r}", file=sys.stderr)

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    return Run(latencies, failures, time.perf_counter() - start)


def cpu_s(pids: list[int], kernel_only: bool = False) -> float:
    """User + system (or only system) CPU seconds the processes used so far (0 for ones that are gone)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[12]) + (0 if kernel_only else int(fields[11]))) * _TICK_S
    return total


@dataclass
class Target:
    name: str
    path: str
    headers: dict


class Bench:
    def __init__(self, port: int, server_pid: int, db_url: str, db_name: str):
        self.port, self.server_pid, self.db_url, self.db_name = port, server_pid, db_url, db_name

    def backend_pids(self) -> list[int]:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            rows = conn.execute("select pid from pg_stat_activity where datname = %s"
                                " and application_name = 'bayflow-api'", (self.db_name,)).fetchall()
        return [r[0] for r in rows]

    def request_bytes(self, target: Target) -> bytes:
        head = [f"GET {target.path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                *(f"{k}: {v}" for k, v in target.headers.items())]
        return ("\r\n".join(head) + "\r\n\r\n").encode()

    async def measure(self, target: Target, requests: int, concurrency: int) -> dict:
        request = self.request_bytes(target)
        conns = [Connection(self.port, request) for _ in range(concurrency)]
        serial = Connection(self.port, request)
        try:
            await run(conns, concurrency * 2)  # warm-up: opens the connections and the pool
            await run([serial], 20)
            one = await run([serial], SERIAL_REQUESTS)
            backends = self.backend_pids()
            server_cpu, server_sys, db_cpu = cpu_s([self.server_pid]), cpu_s([self.server_pid], True), cpu_s(backends)
            client_cpu = time.process_time()
            loaded = await run(conns, requests)
            server_cpu, db_cpu = cpu_s([self.server_pid]) - server_cpu, cpu_s(backends) - db_cpu
            server_sys = cpu_s([self.server_pid], True) - server_sys
            client_cpu = time.process_time() - client_cpu
            after = self.backend_pids()
            return {"name": target.name, "serial": one, "loaded": loaded, "server_ms": server_cpu * 1000 / requests,
                    "server_sys_ms": server_sys * 1000 / requests,
                    "db_ms": db_cpu * 1000 / requests, "client_ms": client_cpu * 1000 / requests,
                    "connections": len(after), "opened": len(set(after) - set(backends)),
                    "closed": len(set(backends) - set(after))}
        finally:
            serial.close()
            for c in conns:
                c.close()


def report(m: dict) -> None:
    loaded, serial = m["loaded"], m["serial"]
    q = statistics.quantiles(loaded.latencies, n=100)
    print(f"{m['name']:<38} ok={len(loaded.latencies):>5} failed={loaded.failures}  p50 {q[49] * 1000:6.1f} ms  "
          f"p90 {q[89] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms  {len(loaded.latencies) / loaded.wall_s:5.0f} req/s")
    print(f"{'':<38} one at a time: p50 {statistics.median(serial.latencies) * 1000:5.2f} ms;  CPU per request: "
          f"uvicorn {m['server_ms']:5.2f} ms ({m['server_sys_ms']:4.2f} in the kernel), postgres {m['db_ms']:5.2f} ms, client {m['client_ms']:5.2f} ms")
    if m["connections"] or m["closed"]:
        # The CPU of a backend that exits during the run is lost: then the postgres figure is too low.
        print(f"{'':<38} API database connections: {m['connections']} at the end, {m['opened']} opened and "
              f"{m['closed']} closed during the run")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()

    admin_url = database_url()
    name = f"bayflow_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = with_database(admin_url, name)
    home = tempfile.mkdtemp(prefix="bfb")
    port = free_port()
    server = None
    try:
        with psycopg.connect(url) as conn:
            migrate(conn)
            load_demo_shop(conn)
            tech_id = conn.execute("select id from auth.users where email = %s", (TECH_EMAIL,)).fetchone()[0]
            visible = conn.execute(
                "select count(*) from public.tasks t join public.technicians r on r.id = t.assigned_technician_id"
                " where r.profile_id = %s", (tech_id,)).fetchone()[0]
        env = {**os.environ, "DATABASE_URL": url, "BAYFLOW_HOME": home, "BAYFLOW_API_PORT": str(port),
               "BAYFLOW_API_HOST": "127.0.0.1"}
        for var in ("SUPABASE_URL", "SUPABASE_JWT_SECRET", "BAYFLOW_PUBLIC_URL", "BAYFLOW_API_DATABASE_URL"):
            env.pop(var, None)
        server_log = open(Path(home) / "api.log", "w")
        # `bayflow api`'s server in this process's child, so its CPU time can be read.
        server = subprocess.Popen([sys.executable, "-c", "from bayflow.commands.api import run_api; run_api(None)"],
                                  cwd=ROOT, env=env,
                                  stdout=server_log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}{JWKS_PATH}", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        settings = Settings(database_url=url, bayflow_home=Path(home), bayflow_api_port=port)
        token = DevIssuer(settings).mint(str(tech_id), TECH_EMAIL, ttl_s=3600)

        print(f"uvicorn (1 process, as `bayflow api`) on {base}; {os.cpu_count()} cores shared with the client; "
              f"tech sees {visible} tasks; {args.requests} requests, {args.concurrency} concurrent")
        bench = Bench(port, server.pid, admin_url, name)
        baseline = asyncio.run(bench.measure(Target("baseline: GET jwks.json (no auth/db)", JWKS_PATH, {}),
                                             args.requests, args.concurrency))
        report(baseline)
        tasks = asyncio.run(bench.measure(Target("GET /v1/tasks as tech", "/v1/tasks",
                                                 {"Authorization": f"Bearer {token}"}),
                                          args.requests, args.concurrency))
        report(tasks)
        p50 = [statistics.median(m["loaded"].latencies) for m in (baseline, tasks)]
        rate = [len(m["loaded"].latencies) / m["loaded"].wall_s for m in (baseline, tasks)]
        print(f"tasks/baseline: p50 {p50[1] / p50[0]:.1f}x, throughput {rate[1] / rate[0]:.2f}x, "
              f"uvicorn CPU per request {tasks['server_ms'] / baseline['server_ms']:.1f}x")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
