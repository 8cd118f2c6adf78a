"""The broker's contract in process: lease fencing, sends committed with the sender's ack, lost claims."""
import time

import dramatiq
import psycopg
import pytest
from dramatiq.errors import QueueNotFound

from tasks.broker import PostgresBroker
from tasks.consumer import set_current_job
from tasks.enqueue import enqueue
from tasks.leases import rescue_expired
from tests.support.polling import wait_until
from tests.support.sql import scalar
from tests.tasks import queue_actors as actors


@pytest.fixture
def broker(queue_db):
    broker = PostgresBroker(url=queue_db, lease_s=30)
    broker.declare_queue("default")
    yield broker
    broker.close()


def claim(consumer):
    return wait_until(lambda: next(consumer), 5, message="a claimed job")


def test_a_worker_whose_lease_was_rescued_cannot_ack(queue_db, broker):
    with psycopg.connect(queue_db, autocommit=True) as conn:
        enqueue(conn, actors.noop.message())
    zombie = claim(broker.consume("default", prefetch=5, timeout=100))
    with psycopg.connect(queue_db, autocommit=True) as conn:  # the zombie stalls past its lease
        conn.execute("update job_queue set lease_expires_at = now() - interval '1 second'")
        assert rescue_expired(conn, dramatiq.get_broker()) == 1
    fresh = claim(broker.consume("default", prefetch=5, timeout=100))
    assert fresh.job_id == zombie.job_id and fresh.lease_token != zombie.lease_token

    set_current_job(zombie)
    broker.enqueue(actors.record.message("from-zombie"))  # the zombie's next pipeline step
    broker.consume("default").ack(zombie)
    assert broker.acker.flush()
    assert scalar(queue_db, "select status || ':' || attempts from job_queue") == "running:2"

    broker.consume("default").ack(fresh)
    assert broker.acker.flush()
    assert scalar(queue_db, "select status from job_queue") == "done"
    assert scalar(queue_db, "select count(*) from job_queue") == 1  # the zombie's send was dropped


def test_messages_sent_while_processing_are_written_with_the_ack(queue_db, broker):
    with psycopg.connect(queue_db, autocommit=True) as conn:
        enqueue(conn, actors.noop.message())
    job = claim(broker.consume("default", prefetch=5, timeout=100))
    set_current_job(job)
    broker.enqueue(actors.record.message("next-step"))
    assert scalar(queue_db, "select count(*) from job_queue") == 1  # not before the ack
    broker.consume("default").ack(job)
    assert broker.acker.flush()
    with psycopg.connect(queue_db) as conn:
        rows = conn.execute("select actor, status from job_queue order by id").fetchall()
    assert rows == [("noop", "done"), ("record", "queued")]


def test_a_job_that_kills_its_worker_every_time_ends_failed(queue_db, broker):
    with psycopg.connect(queue_db, autocommit=True) as conn:
        enqueue(conn, actors.record_once.message("poison"))  # max_retries=0: one attempt
    claim(broker.consume("default", prefetch=5, timeout=100))  # ...and the worker dies
    with psycopg.connect(queue_db, autocommit=True) as conn:
        conn.execute("update job_queue set lease_expires_at = now() - interval '1 second'")
        assert rescue_expired(conn, dramatiq.get_broker()) == 1
    with psycopg.connect(queue_db) as conn:
        status, error = conn.execute("select status, last_error from job_queue").fetchone()
    assert status == "failed" and "expired during attempt 1 (1 of 1 allowed claims lost)" in error


def expire_and_rescue(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update job_queue set lease_expires_at = now() - interval '1 second' where status = 'running'")
        assert rescue_expired(conn, dramatiq.get_broker()) == 1


def test_a_job_that_lost_all_its_claims_sends_on_retry_exhausted(queue_db, broker):
    with psycopg.connect(queue_db, autocommit=True) as conn:
        enqueue(conn, actors.always_fails.message("poison"))  # max_retries=2: three claims may be lost
    consumer = broker.consume("default", prefetch=5, timeout=100)
    for lost in (1, 2, 3):
        claim(consumer)  # ...and the worker dies each time
        expire_and_rescue(queue_db)
        assert scalar(queue_db, "select count(*) from job_queue") == (1 if lost < 3 else 2)
    with psycopg.connect(queue_db) as conn:
        rows = conn.execute("select actor, status, message from job_queue order by id").fetchall()
    assert [(actor, status) for actor, status, _ in rows] == [("always_fails", "failed"), ("exhausted", "queued")]
    failed_message, retry_info = rows[1][2]["args"]
    assert failed_message["args"] == ["poison"] and retry_info == {"retries": 0, "max_retries": 2}


def test_claims_that_ended_in_a_requested_retry_are_not_lost_claims(queue_db, broker):
    with psycopg.connect(queue_db, autocommit=True) as conn:
        message = actors.fails_until.message("forever", 100)
        enqueue(conn, message.copy(options={"retries": 29}))  # as if Retries had retried it 29 times
        conn.execute("update job_queue set attempts = 29")
    claim(broker.consume("default", prefetch=5, timeout=100))  # attempt 30 dies with its worker
    expire_and_rescue(queue_db)
    with psycopg.connect(queue_db) as conn:
        status, attempts, max_attempts, error = conn.execute(
            "select status, attempts, max_attempts, last_error from job_queue").fetchone()
    assert (status, attempts, max_attempts) == ("queued", 30, 21)  # one lost claim of 21 allowed
    assert "(1 of 21 allowed claims lost)" in error


def test_consume_and_join_need_a_declared_queue(broker):
    with pytest.raises(QueueNotFound):
        broker.consume("undeclared")
    with pytest.raises(QueueNotFound):
        broker.join("undeclared")


def test_claims_honour_priority_and_run_at(queue_db, broker):
    with psycopg.connect(queue_db, autocommit=True) as conn:
        enqueue(conn, actors.record.message("later"), delay=1_500)
        enqueue(conn, actors.record.message("low").copy(options={"priority": 5}))
        enqueue(conn, actors.record.message("high").copy(options={"priority": -5}))
    consumer = broker.consume("default", prefetch=1, timeout=100)
    order = []
    for _ in range(3):
        job = claim(consumer)
        order.append((job.args[0], time.monotonic()))
        consumer.ack(job)
    assert [key for key, _ in order] == ["high", "low", "later"]
    assert order[2][1] - order[1][1] > 1.0  # not before its run_at


def test_a_delayed_job_is_claimed_when_due_not_at_the_next_poll(queue_db, broker):
    consumer = broker.consume("default", prefetch=5, timeout=10_000)  # polls only every 10 s
    with psycopg.connect(queue_db, autocommit=True) as conn:
        enqueue(conn, actors.noop.message(), delay=500)  # no NOTIFY for a job not yet due
    sent = time.monotonic()
    job = None
    while job is None and time.monotonic() - sent < 15:
        job = next(consumer)
    waited = time.monotonic() - sent
    assert job is not None and 0.45 < waited < 3.0, waited
