"""The broker's contract in process: lease fencing, and sends committed with the sender's ack."""
import time

import psycopg
import pytest

import queue_actors as actors
from tasks.broker import PostgresBroker
from tasks.consumer import set_current_job
from tasks.enqueue import enqueue
from tasks.leases import rescue_expired
from tests.support.polling import wait_until
from tests.support.sql import scalar


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
        assert rescue_expired(conn) == 1
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
        assert rescue_expired(conn) == 1
    with psycopg.connect(queue_db) as conn:
        status, error = conn.execute("select status, last_error from job_queue").fetchone()
    assert status == "failed" and "expired during attempt 1 of 1" in error


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
