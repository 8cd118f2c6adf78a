"""`bayflow worker` runs dramatiq worker processes on bayflow's broker; `bayflow jobs` shows queue counts."""
import json
import os
import sys

from bayflow.cli import CommandError
from bayflow.config import settings
from bayflow.paths import SQL
from bayflow.queries import load

QUERIES = load(SQL / "commands.sql")
COLUMNS = ("queue", "queued", "ready", "running", "done", "failed", "cancelled", "oldest_ready_age_s",
           "processed_last_minute", "failed_last_minute")


def register(subparsers) -> None:
    s = settings()
    worker = subparsers.add_parser("worker", help="run job workers (dramatiq) on the configured broker")
    worker.add_argument("modules", nargs="*", help="actor modules to import (default: tasks.setup.ACTOR_MODULES)")
    worker.add_argument("--processes", "-p", type=int, default=s.bayflow_worker_processes)
    worker.add_argument("--threads", "-t", type=int, default=s.bayflow_worker_threads)
    worker.add_argument("--queues", "-Q", nargs="+", help="only these queues (default: all)")
    worker.add_argument("--path", "-P", nargs="+", default=["."], help="module import paths")
    worker.set_defaults(func=run_worker)

    jobs = subparsers.add_parser("jobs", help="job counts per queue, as GET /v1/ops/queues")
    jobs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    jobs.set_defaults(func=run_jobs)


def run_worker(args) -> int:
    from tasks.setup import ACTOR_MODULES

    if args.processes < 1 or args.threads < 1:
        raise CommandError("--processes and --threads must be at least 1")
    modules = args.modules or ACTOR_MODULES
    _check_database()
    s = settings()
    argv = [sys.executable, "-m", "dramatiq", "tasks", *modules,
            "--processes", str(args.processes), "--threads", str(args.threads),
            "--worker-shutdown-timeout", str(int(s.bayflow_worker_shutdown_timeout_s * 1000)),
            "--path", *args.path]
    if args.queues:
        argv += ["--queues", *args.queues]
    env = {"dramatiq_queue_prefetch": str(s.bayflow_worker_prefetch), **os.environ}
    if s.bayflow_worker_metrics_port:
        env.setdefault("dramatiq_prom_host", "127.0.0.1")
        env["dramatiq_prom_port"] = str(s.bayflow_worker_metrics_port)
    os.execve(sys.executable, argv, env)  # dramatiq's own CLI: signals, process supervision, logging


def _check_database() -> None:
    import psycopg

    from bayflow.database import connect

    try:
        with connect() as conn:
            conn.execute(QUERIES.workers_ready.psycopg)
    except psycopg.OperationalError as exc:
        raise CommandError(f"cannot reach the database: {exc}".strip()) from exc


def run_jobs(args) -> int:
    import psycopg

    from bayflow.database import connect

    try:
        with connect() as conn:
            rows = conn.execute(QUERIES.queue_stats.psycopg).fetchall()
    except psycopg.OperationalError as exc:
        raise CommandError(f"cannot reach the database: {exc}".strip()) from exc
    if args.json:
        print(json.dumps([dict(zip(COLUMNS, row)) for row in rows], indent=2))
        return 0
    headers = ("queue", "queued", "ready", "running", "done", "failed", "cancelled", "oldest ready s",
               "done/min", "failed/min")
    table = [headers] + [(r[0], *map(str, r[1:7]), f"{r[7]:.1f}", str(r[8]), str(r[9])) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for row in table:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    if not rows:
        print("(no jobs)")
    return 0
