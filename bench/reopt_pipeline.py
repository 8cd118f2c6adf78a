"""Re-optimization benchmark, level `pipeline` of `reopt_bench.py` (issue #17; prints figures, not a test).

    .venv/bin/python -u bench/reopt_bench.py --level pipeline [--sizes 200 1000] [--changes 20]
        (BENCH_DATABASE_URL: an admin URL of the Postgres to create the bench database in;
         default postgresql://postgres@127.0.0.1:5432/postgres)

End to end through the real pipeline: a fresh migrated database holding the benchmark shop of
`scheduler_bench.py` (generated shop, shifts as calendar events), one `bayflow worker` process, the
schedule published by a full 10 s run; then single changes of five kinds in turn (duration +60 min, a
technician off for the afternoon, a parts ETA slip, a rush work order, a dispatcher move as the API
writes it), each committed in its own transaction. Measured: from that commit until the partial
schedule run that answers it is committed (polled every 5 ms), then the queue is left to drain
(the notify step) before the next change. Per change the run's phases as its worker logged them
(pipelines/schedule_run.py: load, solve, diff, write_tasks, copy_items, commit); `queue` is the rest
of the end-to-end time (trigger to job pickup, the actor's claim). Per size: p50 / p95, tasks moved
(median) and the phases' medians. Targets: p95 <= 1 s at 200 tasks, <= 3 s at 1,000.
"""
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bayflow.migrate import migrate  # noqa: E402
from scheduler.generate import generate  # noqa: E402
from scheduler.problem import NO_ETA  # noqa: E402

SHOPS = {200: (12, 8, 2, 1.0), 1000: (40, 25, 3, 3.0)}  # tasks: (techs, bays, shop seed, p95 target in s)
PHASE = re.compile(r"schedule run (\S+) \((\w+), .*\): (.*)$")
KINDS = ("duration", "time_off", "parts_slip", "rush", "dispatcher_move")
BAYFLOW = str(Path(sys.executable).parent / "bayflow")


def seed(conn, size: int, start: datetime) -> None:
    """The generated shop, minute m at `start` + m."""
    techs, bays, shop_seed, _ = SHOPS[size]
    shop = generate(size, techs, bays, shop_seed)

    def at(minute: int) -> datetime:
        return start + timedelta(minutes=minute)

    with conn.transaction():
        for t in shop.technicians:
            conn.execute("insert into public.technicians (id, name, skills) values (%s, %s, %s)",
                         (uuid.uuid5(uuid.NAMESPACE_URL, t.id), t.name, sorted(t.skills)))
            for w in t.availability or ():
                conn.execute("insert into public.calendar_events (kind, technician_id, starts_at, ends_at)"
                             " values ('shift', %s, %s, %s)",
                             (uuid.uuid5(uuid.NAMESPACE_URL, t.id), at(w.start), at(w.end)))
        for b in shop.bays:
            conn.execute("insert into public.bays (id, name, bay_type) values (%s, %s, %s)",
                         (uuid.uuid5(uuid.NAMESPACE_URL, b.id), b.name, b.type))
        for w in shop.work_orders:
            conn.execute("insert into public.work_orders (id, description, priority, due_at, status)"
                         " values (%s, 'bench', %s, %s, 'planned')",
                         (uuid.uuid5(uuid.NAMESPACE_URL, w.id), min(5, max(1, w.priority)),
                          None if w.due is None else at(w.due)))
        for n, t in enumerate(shop.tasks):
            needs = t.parts_ready is not None
            ready = None if not needs or t.parts_ready == NO_ETA else at(t.parts_ready)
            conn.execute("insert into public.tasks (id, work_order_id, position, name, duration_minutes,"
                         " required_skill, required_bay_type, needs_parts, parts_ready_at)"
                         " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         (uuid.uuid5(uuid.NAMESPACE_URL, t.id), uuid.uuid5(uuid.NAMESPACE_URL, t.work_order), n,
                          t.name, t.duration, t.skill, t.bay_type, needs, ready))
        for t in shop.tasks:
            for p in t.predecessors:
                conn.execute("insert into public.task_dependencies (task_id, depends_on_task_id) values (%s, %s)",
                             (uuid.uuid5(uuid.NAMESPACE_URL, t.id), uuid.uuid5(uuid.NAMESPACE_URL, p)))


def runs(conn) -> int:
    return conn.execute("select count(*) from public.schedule_runs").fetchone()[0]


def wait_drained(conn, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while conn.execute("select count(*) from public.job_queue where status in ('queued', 'running')").fetchone()[0]:
        if time.monotonic() > deadline:
            raise RuntimeError("the queue did not drain")
        time.sleep(0.05)


def change(conn, kind: str, n: int) -> None:
    """One change of `kind`, committed; the n-th picks its task, technician or work order."""
    tasks = conn.execute("select id, assigned_technician_id, work_order_id, name from public.tasks"
                         " where status = 'scheduled' and planned_start > now() + interval '3 hours'"
                         " order by planned_start, id").fetchall()
    task, tech, wo, name = tasks[(n * 7) % len(tasks)]
    with conn.transaction():
        if kind == "duration":
            conn.execute("update public.tasks set duration_minutes = duration_minutes + 60 where id = %s", (task,))
        elif kind == "time_off":
            conn.execute("insert into public.calendar_events (kind, technician_id, starts_at, ends_at) values"
                         " ('time_off', %s, date_trunc('day', now()) + interval '1 day 13 hours',"
                         " date_trunc('day', now()) + interval '1 day 18 hours')", (tech,))
        elif kind == "parts_slip":
            conn.execute("update public.tasks set needs_parts = true,"
                         " parts_ready_at = greatest(planned_start, now()) + interval '4 hours' where id = %s", (task,))
        elif kind == "rush":
            conn.execute("update public.work_orders set priority = 5, due_at = now() + interval '6 hours'"
                         " where id = %s", (wo,))
        else:  # as POST /v1/schedule/moves writes it: placement + lock, then the move as a change
            other = conn.execute("select p.id from public.technicians p, public.tasks t where t.id = %s"
                                 " and p.id <> t.assigned_technician_id and (t.required_skill is null"
                                 " or t.required_skill = any(p.skills)) order by p.id limit 1", (task,)).fetchone()[0]
            conn.execute("update public.tasks set assigned_technician_id = %s, lock_technician = true where id = %s",
                         (other, task))
            conn.execute("select bayflow.request_reoptimization("
                         "'partial', 'move', '{}', %s, %s, '{}', %s, 'bench move')",
                         ([task], [tech, other], [wo]))


def bench_size(admin_url: str, size: int, count: int) -> None:
    name = f"bayflow_reopt_bench_{os.getpid()}_{size}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')  # identifier from this process only
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    worker = None
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn)
            start = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=1)
            seed(conn, size, start)
            env = {**os.environ, "DATABASE_URL": url, "BAYFLOW_SOLVER_TIME_LIMIT_S": "10",
                   "BAYFLOW_HOME": f"/tmp/{name}"}
            log_path = Path(f"/tmp/{name}.log")
            log_file = log_path.open("w")
            worker = subprocess.Popen([BAYFLOW, "worker", "--processes", "1", "--threads", "2"],
                                      env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=ROOT)
            conn.execute("select bayflow.request_reoptimization('full', 'request', '{}', '{}', '{}', '{}', '{}',"
                         " 'bench: publish')")
            while runs(conn) < 1:
                time.sleep(0.1)
            wait_drained(conn)
            placed = conn.execute("select count(*) from public.tasks where status = 'scheduled'").fetchone()[0]
            print(f"{size} tasks: published {placed} placed", flush=True)
            times, moved, per_phase = [], [], {}
            for n in range(count):
                kind = KINDS[n % len(KINDS)]
                before = runs(conn)
                change(conn, kind, n)
                committed = time.perf_counter()
                while runs(conn) == before:
                    time.sleep(0.005)
                elapsed = time.perf_counter() - committed
                run, scope, moves = conn.execute(
                    "select r.id, r.scope, (select count(*) from public.schedule_run_moves m where m.run_id = r.id)"
                    " from public.schedule_runs r order by r.created_at desc limit 1").fetchone()
                times.append(elapsed)
                moved.append(moves)
                wait_drained(conn)
                phases = logged_phases(log_path).get(str(run), {})
                phases["queue"] = elapsed * 1000 - sum(phases.values())
                for k, v in phases.items():
                    per_phase.setdefault(k, []).append(v)
                print(f"  {kind:16} {scope:8} {elapsed * 1000:7.0f} ms  {moves:4} moved  "
                      + " ".join(f"{k} {v:.0f}" for k, v in phases.items()), flush=True)
        times.sort()
        p50, p95 = statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        target = SHOPS[size][3]
        print(f"{size} tasks: end to end p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (target <= {target:.0f} s:"
              f" {'met' if p95 <= target else 'NOT met'}); tasks moved median {statistics.median(moved)}"
              f" ({100 * statistics.median(moved) / size:.1f}% of the shop)", flush=True)
        print(f"{size} tasks: phase medians (ms) "
              + ", ".join(f"{k} {statistics.median(v):.0f}" for k, v in per_phase.items()), flush=True)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
            log_file.close()
            log_path.unlink()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


def logged_phases(log_path: Path) -> dict[str, dict[str, float]]:
    """Schedule run id -> its phases in ms, from the worker's log lines."""
    runs = {}
    for line in log_path.read_text().splitlines():
        if m := PHASE.search(line):
            runs[m.group(1)] = {k: float(v.removesuffix("ms")) for k, v in
                                (part.split("=") for part in m.group(3).split())}
    return runs


def pipeline_level(args) -> None:
    admin_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    for size in args.sizes:
        bench_size(admin_url, size, args.changes)
