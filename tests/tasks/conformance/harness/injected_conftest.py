"""Injected as the conftest of dramatiq's own tests (from its sdist): puts the broker under test where
they expect StubBroker.

The broker comes from CONFORMANCE_BROKER: `postgres` (bayflow's PostgresBroker) or `rabbitmq`
(dramatiq's RabbitmqBroker, the control). CONFORMANCE_DATABASE_URL is a migrated database holding
the Postgres broker's jobs and, for both brokers, results (bayflow's PostgresBackend is
`result_backend`); it is emptied after each test.
"""
import logging
import os
import threading
import time
from collections import Counter, defaultdict

import psycopg
import pytest

import dramatiq
from dramatiq import Worker
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.common import dq_name, q_name, xq_name
from dramatiq.errors import QueueJoinTimeout
from dramatiq.middleware import Middleware
from dramatiq.rate_limits import backends as rl_backends

from tasks.broker import PostgresBroker
from tasks.results import PostgresBackend

logging.basicConfig(level=logging.INFO, format="[%(threadName)s] [%(name)s] [%(levelname)s] %(message)s")
logging.getLogger("pika").setLevel(logging.WARNING)

BROKER = os.environ["CONFORMANCE_BROKER"]
DATABASE_URL = os.environ["CONFORMANCE_DATABASE_URL"]
RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
JOIN_LIMIT_MS = 30_000


@pytest.fixture
def database_url():
    yield DATABASE_URL
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:  # the test's broker and worker are closed
        conn.execute("truncate public.job_queue, public.job_results")


@pytest.fixture
def stub_broker(database_url):
    if BROKER == "postgres":
        broker = PostgresBroker(url=database_url, fail_fast_default=True)  # StubBroker's default
    else:
        broker = JoinableRabbitmqBroker(url=RABBITMQ_URL, max_priority=10)  # as dramatiq's own conftest
    broker.emit_after("process_boot")
    dramatiq.set_broker(broker)
    yield broker
    broker.flush_all()
    broker.close()


@pytest.fixture
def stub_worker(stub_broker):
    worker = Worker(stub_broker, worker_timeout=100, worker_threads=32)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def result_backend(database_url):
    return PostgresBackend(lambda: database_url)


@pytest.fixture
def redis_result_backend(result_backend):
    """One test asks for Redis by name; it checks the Results middleware, not the backend."""
    return result_backend


@pytest.fixture
def rate_limiter_backend():
    """Group completion callbacks count in a rate limiter backend: bayflow has none of its own, and
    the tests' worker runs in this process, so dramatiq's in-memory one serves both brokers."""
    return rl_backends.StubBackend()


class _InFlight(Middleware):
    """Counts this process's messages per queue from enqueue to ack or nack; keeps the exceptions of
    those nacked while a fail-fast join waits on their queue."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.unfinished: Counter[str] = Counter()
        self.fail_fast_joins: Counter[str] = Counter()
        self.dead_letters: defaultdict[str, list] = defaultdict(list)

    def after_enqueue(self, broker, message, delay) -> None:
        with self.lock:
            self.unfinished[q_name(message.queue_name)] += 1

    def after_ack(self, broker, message) -> None:
        with self.lock:
            self.unfinished[q_name(message.queue_name)] -= 1

    def after_nack(self, broker, message) -> None:
        queue_name = q_name(message.queue_name)
        with self.lock:
            self.unfinished[queue_name] -= 1
            self.dead_letters[queue_name].append((message, message._exception if self.fail_fast_joins[queue_name]
                                                  else None))


class JoinableRabbitmqBroker(RabbitmqBroker):
    """The control: RabbitmqBroker with StubBroker's join(fail_fast=...) and dead letters, emulated.

    RabbitmqBroker.join counts only messages still in RabbitMQ (not those a worker holds unacked,
    delayed retries included) and has no fail_fast; this join also waits for this process's
    messages in flight and, like PostgresBroker's, raises the exception of a message nacked here
    while it waited.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.in_flight = _InFlight()
        self.add_middleware(self.in_flight)

    def declare_queue(self, queue_name, *, ensure=False) -> None:
        """Each test starts on new queues: what another run left in RabbitMQ (messages, or the
        same name declared with other arguments) would fail it."""
        canonical = q_name(queue_name)
        if canonical not in self.queues:
            for name in (canonical, dq_name(canonical), xq_name(canonical)):
                self.channel.queue_delete(name)
        super().declare_queue(queue_name, ensure=ensure)

    @property
    def dead_letters(self) -> list:
        return [message for letters in self.in_flight.dead_letters.values() for message, _ in letters]

    def join(self, queue_name, *, timeout=None, fail_fast=True) -> None:
        deadline = time.monotonic() + (timeout or JOIN_LIMIT_MS) / 1000  # a miscount must not hang the run
        with self.in_flight.lock:
            self.in_flight.fail_fast_joins[queue_name] += fail_fast
        try:
            while sum(self.get_queue_message_counts(queue_name)[:2]) or self.in_flight.unfinished[queue_name] > 0:
                if time.monotonic() >= deadline:
                    raise QueueJoinTimeout(queue_name)
                time.sleep(0.02)
            if fail_fast:
                for _, exception in self.in_flight.dead_letters[queue_name]:
                    raise exception or Exception("Message failed with unknown error")
        finally:
            with self.in_flight.lock:
                self.in_flight.fail_fast_joins[queue_name] -= fail_fast
