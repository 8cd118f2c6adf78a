"""Latency of the board's endpoints through a real `bayflow api` (uvicorn) on 127.0.0.1: POST
/v1/schedule/what-if (the drag preview: the shop loaded as the caller, then judged) and GET
/v1/board for the week, one request at a time, on the what-if benchmark's 200- and 1,000-task
shops written into a scratch database as a scheduled week.

Baseline in the same run: GET of the dev JWKS (no auth, no database): HTTP + uvicorn alone.

    .venv/bin/python bench/board_api_bench.py [--requests 60]

Uses DATABASE_URL's server (else the embedded Postgres); the scratch database is dropped at the end.
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.dev_issuer import JWKS_PATH, DevIssuer  # noqa: E402
from bayflow.config import Settings  # noqa: E402
from bayflow.database import database_url, with_database  # noqa: E402
from bayflow.migrate import migrate  # noqa: E402
from scheduler import SolverParameters, solve  # noqa: E402
from scheduler.generate import generate  # noqa: E402
from scheduler.problem import NO_ETA  # noqa: E402
from tests.support.processes import free_port  # noqa: E402

SHOPS = {200: (12, 8, 2), 1000: (40, 25, 3)}  # as bench/whatif_bench.py
DISPATCHER = uuid.UUID("00000000-0000-4000-b000-0000000000d1")


def seed(conn, tasks: int) -> tuple[datetime, list[tuple[str, str, list[str]]], list[str]]:
    """The generated shop, scheduled, from the next whole hour; returns its start, the placed tasks
    (id, skill, technicians with it) and the technician ids."""
    techs, bays, shop_seed = SHOPS[tasks]
    problem = generate(tasks, techs, bays, shop_seed)
    result = solve(problem, SolverParameters(time_limit_s=3.0, num_workers=2))
    start = (datetime.now(timezone.utc) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)

    def at(minute: int) -> datetime:
        return start + timedelta(minutes=minute)

    conn.execute("insert into auth.users (id, email) values (%s, 'dispatch@bench')", (DISPATCHER,))
    conn.execute("insert into public.profiles (id, role, display_name) values (%s, 'dispatcher', 'Dee')", (DISPATCHER,))
    ids = {t.id: uuid.uuid4() for t in [*problem.technicians, *problem.bays, *problem.work_orders, *problem.tasks]}
    with conn.cursor() as cur:
        cur.executemany("insert into public.technicians (id, name, skills) values (%s, %s, %s)",
                        [(ids[t.id], t.name, sorted(t.skills)) for t in problem.technicians])
        cur.executemany("insert into public.bays (id, name, bay_type) values (%s, %s, %s)",
                        [(ids[b.id], b.name, b.type) for b in problem.bays])
        events = [("shift", ids[t.id], None, at(w.start), at(w.end)) for t in problem.technicians
                  for w in t.availability or ()]
        events += [("time_off", ids[t.id], None, at(w.start), at(w.end)) for t in problem.technicians for w in t.time_off]
        events += [("bay_downtime", None, ids[b.id], at(w.start), at(w.end)) for b in problem.bays for w in b.downtime]
        cur.executemany("insert into public.calendar_events (kind, technician_id, bay_id, starts_at, ends_at)"
                        " values (%s, %s, %s, %s, %s)", events)
        cur.executemany("insert into public.work_orders (id, description, priority, due_at, status)"
                        " values (%s, %s, %s, %s, 'scheduled')",
                        [(ids[w.id], f"work order {w.id}", w.priority, None if w.due is None else at(w.due))
                         for w in problem.work_orders])
        placed = {i.task: i for i in result.items}
        rows = []
        for position, t in enumerate(problem.tasks):
            p = placed.get(t.id)
            rows.append((ids[t.id], ids[t.work_order], position, t.name, t.duration, t.skill, t.bay_type,
                         t.parts_ready is not None,
                         at(t.parts_ready) if isinstance(t.parts_ready, int) and t.parts_ready != NO_ETA else None,
                         "scheduled" if p else "pending", p and ids[p.technician], p and p.bay and ids[p.bay],
                         p and at(p.start), p and at(p.end)))
        cur.executemany("insert into public.tasks (id, work_order_id, position, name, duration_minutes, required_skill,"
                        " required_bay_type, needs_parts, parts_ready_at, status, assigned_technician_id, bay_id,"
                        " planned_start, planned_end) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        rows)
        cur.executemany("insert into public.task_dependencies (task_id, depends_on_task_id) values (%s, %s)",
                        [(ids[t.id], ids[p]) for t in problem.tasks for p in t.predecessors])
    movable = [(str(ids[t.id]), [str(ids[x.id]) for x in problem.eligible_techs(t)]) for t in problem.tasks
               if t.id in placed]
    return start, movable, [str(ids[t.id]) for t in problem.technicians]


def timed(client: httpx.Client, requests: int, call) -> list[float]:
    for _ in range(3):
        call()  # warm-up
    out = []
    for _ in range(requests):
        t0 = time.perf_counter()
        response = call()
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.text
    return out


def line(name: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=20)
    return f"  {name:<34} p50 {statistics.median(ms):7.1f} ms   p95 {q[18]:7.1f} ms   max {max(ms):7.1f} ms"


def run(tasks: int, requests: int) -> None:
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
            start, movable, technicians = seed(conn, tasks)
        env = {**os.environ, "DATABASE_URL": url, "BAYFLOW_HOME": home, "BAYFLOW_API_PORT": str(port),
               "BAYFLOW_API_HOST": "127.0.0.1"}
        for var in ("SUPABASE_URL", "SUPABASE_JWT_SECRET", "BAYFLOW_PUBLIC_URL", "BAYFLOW_API_DATABASE_URL"):
            env.pop(var, None)
        with open(Path(home) / "api.log", "w") as log:
            server = subprocess.Popen([sys.executable, "-m", "bayflow", "api"], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=60)
        for _ in range(300):
            try:
                if client.get(JWKS_PATH).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = DevIssuer(Settings(database_url=url, bayflow_home=Path(home), bayflow_api_port=port)).mint(
            str(DISPATCHER), "dispatch@bench", 3600)
        auth = {"Authorization": f"Bearer {token}"}
        rng = random.Random(1)

        def what_if():
            task, eligible = rng.choice(movable)
            proposed = start + timedelta(minutes=rng.randrange(0, 3 * 1440, 15))
            return client.post("/v1/schedule/what-if", headers=auth, json={
                "task_id": task, "technician_id": rng.choice(eligible), "start": proposed.isoformat()})

        week = {"from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat()}
        print(f"\n{tasks} tasks ({len(movable)} placed), {len(technicians)} technicians; `bayflow api` on {base}, "
              f"{requests} requests each, one at a time")
        print(line("baseline: GET jwks.json", timed(client, requests, lambda: client.get(JWKS_PATH))))
        print(line("POST /v1/schedule/what-if", timed(client, requests, what_if)))
        print(line("GET /v1/board (the week)", timed(client, requests, lambda: client.get(
            "/v1/board", params=week, headers=auth))))
        client.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
        shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    for tasks in SHOPS:
        run(tasks, args.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
