"""Real worker processes on the Postgres broker: exactly once, retries, crashes, lost connections, shutdown."""
import os
import signal
import time
from urllib.parse import urlsplit

import psycopg

from tasks.enqueue import enqueue_many
from tests.support.polling import wait_until
from tests.support.sql import scalar
from tests.tasks import queue_actors as actors


def statuses(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("select status, count(*) from job_queue group by status").fetchall())


def enqueue_keys(url: str, actor, keys, *args) -> None:
    with psycopg.connect(url) as conn:
        enqueue_many(conn, [actor.message(key, *args) for key in keys])


def test_every_job_runs_exactly_once_across_processes_and_threads(queue_db, workers):
    keys = [f"job-{i}" for i in range(5000)]
    enqueue_keys(queue_db, actors.record_once, keys[:2500])
    workers.start(processes=3, threads=4, command="bayflow")
    for start in range(2500, 5000, 500):  # the rest while workers run
        enqueue_keys(queue_db, actors.record_once, keys[start:start + 500])
    wait_until(lambda: statuses(queue_db).get("done") == 5000, 90, 0.5, "5000 done jobs")
    assert statuses(queue_db) == {"done": 5000}
    assert scalar(queue_db, "select count(*) from test_runs") == 5000  # primary key: none ran twice
    assert scalar(queue_db, "select max(attempts) from job_queue") == 1
    assert scalar(queue_db, "select count(distinct pid) from test_runs") == 3


def test_failing_actor_retries_with_backoff_then_ends_failed(queue_db, workers):
    workers.start(processes=1, threads=2)
    enqueue_keys(queue_db, actors.always_fails, ["doomed"])
    wait_until(lambda: statuses(queue_db).get("failed") == 1, 20, message="the job to fail")
    with psycopg.connect(queue_db) as conn:
        attempts, last_error, trace, finished = conn.execute(
            "select attempts, last_error, traceback, finished_at from job_queue").fetchone()
        runs = [r[0] for r in conn.execute("select at from test_attempts order by at")]
    assert attempts == 3  # max_retries=2: the first run and two retries
    assert last_error == "ValueError: cannot process doomed"
    assert "raise ValueError" in trace and finished is not None
    assert len(runs) == 3
    gaps = [(b - a).total_seconds() for a, b in zip(runs, runs[1:])]
    assert all(gap >= 0.025 for gap in gaps), gaps  # backoff min 50 ms (with jitter)


def test_sigkilled_worker_job_runs_again_after_its_lease_expires(queue_db, workers):
    first = workers.start(processes=1, threads=2)
    enqueue_keys(queue_db, actors.record, ["crash"], 3.0)
    pid = wait_until(lambda: scalar(queue_db, "select max(pid) from test_attempts"), 15, message="the first run")
    os.kill(pid, signal.SIGKILL)
    first.wait(15)  # dramatiq's master stops when a worker dies
    killed_at = time.monotonic()
    workers.start(processes=1, threads=2)
    wait_until(lambda: statuses(queue_db).get("done") == 1, 30, message="the job to run again")
    assert time.monotonic() - killed_at < 30
    with psycopg.connect(queue_db) as conn:
        pids = [r[0] for r in conn.execute("select pid from test_attempts order by at")]
        attempts = conn.execute("select attempts from job_queue").fetchone()[0]
    assert len(pids) == 2 and pids[0] == pid and pids[1] != pid
    assert attempts == 2
    assert scalar(queue_db, "select count(*) from test_runs") == 1


def test_workers_reconnect_after_their_connections_are_terminated(queue_db, workers):
    workers.start(processes=2, threads=4)
    keys = [f"k{i}" for i in range(1500)]
    enqueue_keys(queue_db, actors.record, keys, 0.01)
    dbname = urlsplit(queue_db).path.lstrip("/")
    wait_until(lambda: scalar(queue_db, "select count(*) from test_runs") > 0, 30, message="work under way")
    terminated_mid_work = 0
    for _ in range(3):
        time.sleep(0.7)
        pending = scalar(queue_db, "select count(*) from job_queue where status <> 'done'")
        terminated = scalar(queue_db, "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity"
                                      " where datname = %s and pid <> pg_backend_pid()) t", (dbname,))
        terminated_mid_work += terminated if pending else 0
    assert terminated_mid_work > 0
    wait_until(lambda: statuses(queue_db).get("done") == 1500, 60, 0.5, "every job done")
    assert scalar(queue_db, "select count(*) from test_runs") == 1500
    assert statuses(queue_db) == {"done": 1500}


def test_sigterm_finishes_or_releases_in_flight_jobs_within_the_timeout(queue_db, workers):
    proc = workers.start(processes=2, threads=4, command="bayflow", BAYFLOW_WORKER_SHUTDOWN_TIMEOUT_S="2")
    enqueue_keys(queue_db, actors.record, ["long"], 30.0)
    enqueue_keys(queue_db, actors.record, [f"short-{i}" for i in range(1500)], 0.02)
    wait_until(lambda: scalar(queue_db, "select count(*) from test_runs") > 50, 20, message="work under way")
    wait_until(lambda: scalar(queue_db, "select count(*) from test_attempts where key = 'long'"), 20,
               message="the long job to start")
    stopped_at = time.monotonic()
    assert workers.stop(proc, timeout=15) == 0
    assert time.monotonic() - stopped_at < 8  # 2 s timeout + process shutdown
    with psycopg.connect(queue_db) as conn:
        assert conn.execute("select count(*) from job_queue where status = 'running' or lease_token is not null"
                            ).fetchone()[0] == 0
        status, attempts, error = conn.execute(
            "select status, attempts, last_error from job_queue where message->'args'->>0 = 'long'").fetchone()
        never_started = conn.execute(
            "select count(*) from job_queue j where status = 'queued' and message->'args'->>0 <> 'long'"
            " and not exists (select from test_attempts a where a.key = j.message->'args'->>0)").fetchone()[0]
        requeued_with_attempts = conn.execute(
            "select count(*) from job_queue j where status = 'queued' and attempts > 0"
            " and not exists (select from test_attempts a where a.key = j.message->'args'->>0)").fetchone()[0]
    assert (status, attempts, error) == ("queued", 1, "released at worker shutdown")
    assert never_started > 0 and requeued_with_attempts == 0  # given back without using an attempt
    with psycopg.connect(queue_db) as conn:  # don't wait 30 s for the long one in the rerun
        conn.execute("update job_queue set status = 'cancelled', finished_at = now() where status = 'queued'"
                     " and message->'args'->>0 = 'long'")
    workers.start(processes=2, threads=8)
    wait_until(lambda: scalar(queue_db, "select count(*) from test_runs") == 1500, 30, message="the rest to run")
