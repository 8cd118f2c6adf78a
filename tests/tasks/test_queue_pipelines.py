"""dramatiq pipelines on bayflow's Postgres broker and, for scale-out, on RabbitMQ: same actors, same results store."""
import os

import dramatiq
import psycopg
import pytest

from tasks.enqueue import enqueue
from tasks.setup import build_broker
from tests.support.rabbitmq import rabbitmq_reachable
from tests.tasks import queue_actors as actors


@pytest.mark.parametrize("kind", ["postgres", "rabbitmq"])
def test_a_pipeline_runs_on_both_brokers(kind, queue_db, workers):
    if kind == "rabbitmq" and not rabbitmq_reachable():
        if os.environ.get("CI"):
            pytest.fail("RabbitMQ is not reachable on 127.0.0.1:5672 and CI is set")
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    broker = build_broker(kind, url=queue_db)
    try:
        workers.start(processes=1, threads=2, BAYFLOW_BROKER=kind)
        pipe = dramatiq.pipeline([actors.add.message(1, 2), actors.add.message(10), actors.describe.message()],
                                 broker=broker)
        pipe.run()
        assert pipe.get_result(block=True, timeout=30_000) == "total=13"
        assert list(pipe.get_results(block=True, timeout=5_000)) == [3, 13, "total=13"]

        # a pipeline enqueued in the caller's transaction (on RabbitMQ: relayed from job_queue)
        later = dramatiq.pipeline([actors.add.message(2, 2), actors.describe.message()], broker=broker)
        with psycopg.connect(queue_db) as conn:
            enqueue(conn, later)
        assert later.get_result(block=True, timeout=30_000) == "total=4"
    finally:
        broker.close()
