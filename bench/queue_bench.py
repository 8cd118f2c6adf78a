"""Job queue throughput and latency: bayflow's Postgres broker, with dramatiq's RabbitMQ broker as baseline.

A no-op actor, 2 worker processes x 8 threads (`dramatiq tasks queue_bench`), on this machine:
  - enqueue rate: one job per commit (per publish on RabbitMQ), and batched (1000 per statement, Postgres);
  - process rate: a backlog of --jobs drained, from the first job started to the last finished;
  - enqueue-to-start latency p50/p99 at half the measured process rate (paced enqueues, one per commit).

    .venv/bin/python bench/queue_bench.py [--jobs 20000] [--seconds 5] [--brokers postgres,rabbitmq]

Uses DATABASE_URL's server (else the embedded Postgres) and a scratch database dropped at the end.
This file is also the actor module the workers import.
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import dramatiq
from dramatiq.middleware import Middleware

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402,F401  (the broker chosen by BAYFLOW_BROKER)

_runs: list[tuple[float, float]] = []  # (sent at, started at), seconds since the epoch


@dramatiq.actor(max_retries=0)
def probe(sent_at: float) -> None:
    _runs.append((sent_at, time.time()))


class _DumpRuns(Middleware):
    """Each worker process writes what its actors saw to $QUEUE_BENCH_OUT at shutdown."""

    def after_worker_shutdown(self, broker, worker):
        out = os.environ.get("QUEUE_BENCH_OUT")
        if out:
            Path(out, f"runs-{os.getpid()}.json").write_text(json.dumps(_runs))


dramatiq.get_broker().add_middleware(_DumpRuns())


def start_workers(kind: str, db_url: str, out: Path) -> subprocess.Popen:
    env = {**os.environ, "BAYFLOW_BROKER": kind, "DATABASE_URL": db_url, "QUEUE_BENCH_OUT": str(out),
           "dramatiq_queue_prefetch": "100", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "dramatiq", "tasks", "queue_bench", "-p", "2", "-t", "8",
                             "--path", str(ROOT / "bench")], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stop_workers(proc: subprocess.Popen, out: Path) -> list[tuple[float, float]]:
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    runs = [tuple(r) for f in out.glob("runs-*.json") for r in json.loads(f.read_text())]
    for f in out.glob("runs-*.json"):
        f.unlink()
    return runs


class Postgres:
    name = "postgres"

    def __init__(self, db_url: str) -> None:
        import psycopg

        from tasks.setup import build_broker

        self.url = db_url
        self.conn = psycopg.connect(db_url)
        self.watch = psycopg.connect(db_url, autocommit=True)
        self.broker = build_broker("postgres", url=db_url)

    def enqueue_one_per_commit(self, n: int) -> float:
        from tasks.enqueue import enqueue

        started = time.perf_counter()
        for _ in range(n):
            enqueue(self.conn, probe.message(time.time()))
            self.conn.commit()
        return n / (time.perf_counter() - started)

    def enqueue_batched(self, n: int, batch: int = 1000) -> float:
        from tasks.enqueue import enqueue_many

        started = time.perf_counter()
        for _ in range(0, n, batch):
            enqueue_many(self.conn, [probe.message(0.0) for _ in range(batch)])
            self.conn.commit()
        return n / (time.perf_counter() - started)

    def sender(self):
        import psycopg

        from tasks.enqueue import enqueue

        conn = psycopg.connect(self.url, autocommit=True)
        return lambda: enqueue(conn, probe.message(time.time()))

    def pending(self) -> int:
        return self.watch.execute("select count(*) from job_queue where status in ('queued', 'running')"
                                  ).fetchone()[0]

    def reset(self) -> None:
        self.conn.execute("truncate job_queue")
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()
        self.watch.close()
        self.broker.close()


class Rabbitmq:
    name = "rabbitmq"

    def __init__(self, db_url: str) -> None:
        from tasks.setup import build_broker

        self.broker = build_broker("rabbitmq", url=db_url)
        self.broker.declare_queue("default")

    def enqueue_one_per_commit(self, n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            self.broker.enqueue(probe.message(time.time()))
        return n / (time.perf_counter() - started)

    def enqueue_batched(self, n: int) -> float | None:
        return None  # no multi-message publish in dramatiq's RabbitMQ broker

    def sender(self):
        from tasks.setup import build_broker

        broker = build_broker("rabbitmq")
        return lambda: broker.enqueue(probe.message(time.time()))

    def pending(self) -> int:
        ready, delayed, _ = self.broker.get_queue_message_counts("default")
        return ready + delayed

    def reset(self) -> None:
        self.broker.flush_all()

    def close(self) -> None:
        self.broker.close()


def fill(system, n: int) -> None:
    if system.name == "postgres":
        system.enqueue_batched(n)
    else:
        system.enqueue_one_per_commit(n)


def process_rate(system, db_url: str, n: int, out: Path) -> float:
    system.reset()
    fill(system, n)
    proc = start_workers(system.name, db_url, out)
    while system.pending():
        time.sleep(0.05)
    time.sleep(0.5)  # the last acks
    runs = stop_workers(proc, out)
    assert len(runs) == n, f"{system.name}: {len(runs)} of {n} jobs ran"
    starts = sorted(started for _, started in runs)
    return n / (starts[-1] - starts[0])


def latency_at(system, db_url: str, rate: float, seconds: float, out: Path) -> tuple[float, float, int]:
    """Paced one-per-commit enqueues at `rate` jobs/s; enqueue-to-start p50/p99 in ms."""
    system.reset()
    proc = start_workers(system.name, db_url, out)
    time.sleep(3)  # workers booted
    senders = 4
    total = int(rate * seconds)

    def paced(sender_index: int):
        send = system.sender()
        interval = senders / rate
        next_at = time.perf_counter() + sender_index * interval / senders
        for _ in range(total // senders):
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            send()
            next_at += interval

    threads = [threading.Thread(target=paced, args=(i,)) for i in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while system.pending():
        time.sleep(0.05)
    time.sleep(0.5)
    runs = stop_workers(proc, out)
    latencies = sorted((started - sent) * 1000 for sent, started in runs)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99, len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--brokers", default="postgres,rabbitmq")
    args = parser.parse_args()

    import psycopg

    from bayflow.database import database_url, with_database
    from bayflow.migrate import migrate

    admin = database_url()
    name = f"queue_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    db_url = with_database(admin, name)
    with psycopg.connect(db_url) as conn:
        migrate(conn)
    out = Path(tempfile.mkdtemp(prefix="queue_bench_"))
    rows = []
    try:
        for kind in args.brokers.split(","):
            system = {"postgres": Postgres, "rabbitmq": Rabbitmq}[kind](db_url)
            try:
                one = system.enqueue_one_per_commit(2000)
                batched = system.enqueue_batched(args.jobs)
                rate = process_rate(system, db_url, args.jobs, out)
                p50, p99, n = latency_at(system, db_url, rate / 2, args.seconds, out)
            finally:
                system.close()
            rows.append((kind, one, batched, rate, rate / 2, p50, p99, n))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')

    print(f"no-op actor, 2 worker processes x 8 threads, {args.jobs} jobs backlog, {os.cpu_count()} CPUs")
    print(f"{'broker':<10}{'enqueue 1/commit':>18}{'enqueue batched':>17}{'process':>10}"
          f"{'half load':>11}{'p50 ms':>9}{'p99 ms':>9}")
    for kind, one, batched, rate, half, p50, p99, n in rows:
        batch_text = f"{batched:,.0f}/s" if batched else "-"
        print(f"{kind:<10}{one:>16,.0f}/s{batch_text:>17}{rate:>8,.0f}/s{half:>9,.0f}/s{p50:>9.1f}{p99:>9.1f}")
    if len(rows) == 2:
        print(f"postgres/rabbitmq process ratio: {rows[0][3] / rows[1][3]:.2f}")


if __name__ == "__main__":
    main()
