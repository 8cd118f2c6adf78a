"""dramatiq's Retries semantics on the Postgres broker, in real worker processes: retry_when and
max_retries=None are not capped by bayflow, on_retry_exhausted is sent, dead letters and join(fail_fast)."""
import psycopg
import pytest

from tasks.broker import JobFailed, PostgresBroker
from tasks.enqueue import enqueue
from tests.support.polling import wait_until
from tests.support.sql import query, scalar
from tests.tasks import queue_actors as actors


def send(url: str, message) -> None:
    with psycopg.connect(url) as conn:
        enqueue(conn, message)


def runs(url: str, key: str) -> int:
    return scalar(url, "select count(*) from test_attempts where key = %s", (key,))


def finished(url: str, actor: str) -> str | None:
    rows = query(url, "select status from job_queue where actor = %s and status in ('done', 'failed')", (actor,))
    return rows[0][0] if rows else None


def exhausted_keys(url: str) -> list[str]:
    return [key for (key,) in query(url, "select key from test_runs where key like 'exhausted:%%' order by key")]


def test_retry_when_decides_retries_whatever_max_retries_says(queue_db, workers):
    workers.start(processes=1, threads=2)
    send(queue_db, actors.fails_conditionally.message("value-error", False))
    send(queue_db, actors.fails_conditionally.message("runtime-error", True))
    wait_until(lambda: len(exhausted_keys(queue_db)) == 2, 30, message="both jobs to be exhausted")
    assert runs(queue_db, "value-error") == 1  # retry_when said no at once
    assert runs(queue_db, "runtime-error") == 4  # retry_when allowed 3 retries although max_retries=0
    assert exhausted_keys(queue_db) == ["exhausted:runtime-error:3", "exhausted:value-error:0"]
    assert scalar(queue_db, "select count(*) from job_queue where actor = 'fails_conditionally'"
                            " and status = 'failed'") == 2


def test_max_retries_none_retries_past_the_default_cap(queue_db, workers):
    workers.start(processes=1, threads=2)
    send(queue_db, actors.fails_until.message("stubborn", 30))
    wait_until(lambda: finished(queue_db, "fails_until"), 60, message="the job to finish")
    assert finished(queue_db, "fails_until") == "done"
    assert runs(queue_db, "stubborn") == 30  # beyond the 21 attempts max_retries=20 would allow
    assert scalar(queue_db, "select attempts from job_queue where actor = 'fails_until'") == 30


def test_dead_letters_and_join_fail_fast_report_a_job_failed_in_a_worker(queue_db, workers):
    broker = PostgresBroker(url=queue_db)
    broker.declare_queue("default")
    try:
        workers.start(processes=1, threads=2)
        send(queue_db, actors.always_fails.message("doomed"))
        broker.join("default", timeout=30_000)  # fail_fast defaults to False: only waits
        with pytest.raises(JobFailed, match="always_fails.*ValueError: cannot process doomed"):
            broker.join("default", fail_fast=True)
        [letter] = broker.dead_letters
        assert (letter.actor_name, letter.args, letter.attempts) == ("always_fails", ("doomed",), 3)
        assert letter.error == "ValueError: cannot process doomed" and "raise ValueError" in letter.traceback
        assert [d.job_id for d in broker.dead_letters_by_queue["default"]] == [letter.job_id]
        assert broker.dead_letters_by_queue["other"] == []
        assert exhausted_keys(queue_db) == ["exhausted:doomed:2"]
        broker.flush("default")  # drops dead letters, as RabbitMQ's flush purges the dead-letter queue
        assert broker.dead_letters == []
        broker.join("default", fail_fast=True)
    finally:
        broker.close()
