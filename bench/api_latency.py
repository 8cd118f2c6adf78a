"""Latency of `GET /v1/tasks` for a technician at 100 concurrent requests, against a real
uvicorn server (`bayflow api`) on 127.0.0.1 with the demo shop loaded.

Baseline in the same run: the dev JWKS endpoint (no auth, no database), i.e. the cost of
HTTP + uvicorn + FastAPI alone; the ratio shows what auth + the RLS transaction add.

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
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.dev_issuer import DevIssuer  # noqa: E402
from bayflow.config import Settings  # noqa: E402
from bayflow.database import database_url, with_database  # noqa: E402
from bayflow.migrate import migrate  # noqa: E402
from bayflow.seed import load_demo_shop  # noqa: E402

TECH_EMAIL = "ana@demo.bayflow.dev"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def measure(url: str, headers: dict, requests: int, concurrency: int) -> tuple[list[float], int, float]:
    """Per-request seconds of the 200s, the number of failures, and the wall time for `requests`
    GETs with `concurrency` in flight (after a warm-up that opens the connections)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=60) as client:
        async def run(n: int) -> tuple[list[float], int]:
            latencies, failures, todo = [], 0, iter(range(n))

            async def worker():
                nonlocal failures
                for _ in todo:
                    start = time.perf_counter()
                    try:
                        response = await client.get(url)
                    except httpx.TransportError:
                        failures += 1
                        continue
                    if response.status_code == 200:
                        latencies.append(time.perf_counter() - start)
                    else:
                        failures += 1
                        print(f"  {url}: {response.status_code} {response.text[:120]}", file=sys.stderr)

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return latencies, failures

        await run(concurrency * 2)
        start = time.perf_counter()
        latencies, failures = await run(requests)
        return latencies, failures, time.perf_counter() - start


def report(name: str, latencies: list[float], failures: int, wall: float) -> float:
    q = statistics.quantiles(latencies, n=100)
    p50, p99 = q[49] * 1000, q[98] * 1000
    print(f"{name:<38} ok={len(latencies):>5} failed={failures}  p50 {p50:7.1f} ms  p90 {q[89] * 1000:7.1f} ms  "
          f"p99 {p99:7.1f} ms  {len(latencies) / wall:6.0f} req/s")
    return p50


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
        # `bayflow api`'s server with a keep-alive longer than the slowest response, so the
        # client never reuses a connection the server is just closing.
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
                                   "--host", "127.0.0.1", "--port", str(port), "--timeout-keep-alive", "75",
                                   "--log-level", "warning"],
                                  cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/auth/v1/.well-known/jwks.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        settings = Settings(database_url=url, bayflow_home=Path(home), bayflow_api_port=port)
        token = DevIssuer(settings).mint(str(tech_id), TECH_EMAIL, ttl_s=3600)

        print(f"uvicorn (1 process, as `bayflow api`) on {base}; {os.cpu_count()} cores shared with the client; "
              f"tech sees {visible} tasks; {args.requests} requests, {args.concurrency} concurrent")
        base_p50 = report("baseline: GET jwks.json (no auth/db)",
                          *asyncio.run(measure(f"{base}/auth/v1/.well-known/jwks.json", {}, args.requests,
                                               args.concurrency)))
        p50 = report("GET /v1/tasks as tech",
                     *asyncio.run(measure(f"{base}/v1/tasks", {"Authorization": f"Bearer {token}"},
                                          args.requests, args.concurrency)))
        print(f"p50 ratio tasks/baseline: {p50 / base_p50:.1f}x")
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
