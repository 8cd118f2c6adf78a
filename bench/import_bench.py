"""CSV import to schedule run: time and peak memory for 100 and 10,000 work orders.

For each size, in a scratch database with the demo shop's technicians, shifts and bays:
the CSV (two tasks per work order) is stored and its import enqueued as `bayflow import`
does, real workers (`bayflow worker`) run it, and the clock stops when every imported work
order has passed the schedule step (its schedule run is written). Figures:
- import: CSV to work orders written and their pipelines enqueued (the import job);
- schedule: import done to schedule run(s) written (enrich, plan, CP-SAT, per work order);
- peak RSS of the worker processes (VmHWM), and tracemalloc's peak of validating the file
  in process (the pure part of the import, pipelines.csv_file).

    .venv/bin/python bench/import_bench.py [--sizes 100 10000] [--processes 2] [--threads 4]

Uses DATABASE_URL's server (else the embedded Postgres); scratch databases are dropped at the end.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bayflow.database import database_url, with_database  # noqa: E402
from bayflow.migrate import migrate  # noqa: E402
from bayflow.seed import DEMO_SHOP, load_seed  # noqa: E402
from pipelines.csv_file import inspect_csv, parse_csv  # noqa: E402
from pipelines.work_order_records import DateRules  # noqa: E402
from tasks.integration_starts import start_import  # noqa: E402

JOBS = [("Brake inspection", "brakes", 30), ("Oil and filter", "general", 45), ("Tire rotation", "tires", 40),
        ("Battery test", "electrical", 20), ("Coolant flush", "engine", 60)]


def csv_file(size: int) -> bytes:
    lines = ["external_id,description,priority,due_at,task_name,task_duration_minutes,task_required_skill,task_depends_on"]
    for i in range(size):
        name, skill, minutes = JOBS[i % len(JOBS)]
        # No numbers in the text: the rules enrichment reads a number like 2032 as a model year.
        lines.append(f"B-{i:06d},{name} for a fleet unit,{1 + i % 5},2026-12-{1 + i % 28:02d},Check-in,10,general,")
        lines.append(f"B-{i:06d},,,,{name},{minutes},{skill},Check-in")
    return ("\n".join(lines) + "\n").encode()


def scratch_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = with_database(admin_url, name)
    seed = json.loads(DEMO_SHOP.read_text(encoding="utf-8"))
    seed["work_orders"] = []
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(seed, f)
    with psycopg.connect(url) as conn:
        migrate(conn)
        load_seed(conn, Path(f.name))
    os.unlink(f.name)
    return url


def worker_peak_rss_mb(group_pid: int) -> float:
    """Largest VmHWM among the worker process group's processes."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if os.getpgid(int(status.parent.name)) != group_pid:
                continue
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (OSError, ProcessLookupError, ValueError):
            continue
    return peak / 1024


def validation_peak_mb(content: bytes) -> tuple[float, float]:
    """Seconds to validate the file (untraced), and tracemalloc's peak while validating it again."""
    started = time.perf_counter()
    parse_csv(content, DateRules(), default_source="csv", max_rows=10 ** 6)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    parse_csv(content, DateRules(), default_source="csv", max_rows=10 ** 6)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2 ** 20


def run(size: int, admin_url: str, processes: int, threads: int, timeout_s: float) -> None:
    name = f"bayflow_bench_{uuid.uuid4().hex[:8]}"
    url = scratch_database(admin_url, name)
    env = {**os.environ, "DATABASE_URL": url}
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        env.pop(key, None)  # plans come from the CSV's tasks; enrichment from the rules
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
    workers = subprocess.Popen([str(Path(sys.executable).parent / "bayflow"), "worker", "-p", str(processes),
                                "-t", str(threads)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    content = csv_file(size)
    try:
        time.sleep(3)  # let the workers start before the clock does
        started = time.perf_counter()
        with psycopg.connect(url) as conn:
            import_id = start_import(conn, "bench.csv", content, inspect_csv(content, max_rows=10 ** 6), mode="good_rows")
        with psycopg.connect(url, autocommit=True) as conn:
            imported_at = scheduled_at = None
            while time.perf_counter() - started < timeout_s:
                status = conn.execute("select status from public.imports where id = %s", (import_id,)).fetchone()[0]
                if status in ("rejected", "failed"):
                    raise SystemExit(f"import {status}; worker log: {log.name}")
                if status == "done" and imported_at is None:
                    imported_at = time.perf_counter()
                if imported_at:
                    waiting = conn.execute(
                        """select count(*) filter (where s.status <> 'succeeded'),
                                  count(*) filter (where r.status = 'failed')
                             from public.pipeline_runs r join public.pipeline_steps s on s.run_id = r.id and s.step = 'schedule'
                            where r.triggered_by = %s""", (f"import:{import_id}",)).fetchone()
                    if waiting[1]:
                        raise SystemExit(f"{waiting[1]} pipeline runs failed; worker log: {log.name}")
                    if waiting[0] == 0:
                        scheduled_at = time.perf_counter()
                        break
                time.sleep(0.2)
            runs, solve_s, placed = conn.execute(
                """select count(*), coalesce(sum(solve_seconds), 0),
                          (select count(*) from public.schedule_items where starts_at is not null
                              and run_id = (select id from public.schedule_runs order by created_at desc limit 1))
                     from public.schedule_runs""").fetchone()
        rss = worker_peak_rss_mb(workers.pid)
    finally:
        os.killpg(workers.pid, signal.SIGTERM)
        workers.wait(60)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
    validate_s, validate_mb = validation_peak_mb(content)
    if scheduled_at is None:
        print(f"{size:>6} work orders: not scheduled within {timeout_s:.0f} s"
              f" (import {'done in %.1f s' % (imported_at - started) if imported_at else 'not done'})")
        return
    print(f"{size:>6} work orders ({2 * size} tasks, {len(content) / 2 ** 20:.1f} MiB CSV): "
          f"import {imported_at - started:6.1f} s, schedule {scheduled_at - imported_at:6.1f} s, "
          f"CSV to schedule run {scheduled_at - started:6.1f} s | {runs} schedule run(s), CP-SAT {solve_s:.1f} s, "
          f"{placed} tasks placed in the last | worker peak RSS {rss:.0f} MiB | "
          f"validation in process {validate_s * 1000:.0f} ms, tracemalloc peak {validate_mb:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per size")
    args = parser.parse_args()
    admin_url = database_url()
    for size in args.sizes:
        run(size, admin_url, args.processes, args.threads, args.timeout)


if __name__ == "__main__":
    main()
