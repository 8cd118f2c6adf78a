"""With BAYFLOW_BROKER=rabbitmq, `job_queue` is the outbox of transactional enqueues.

`tasks.enqueue` always writes to Postgres inside the caller's transaction; worker
processes on RabbitMQ move the committed, due rows to RabbitMQ. A row is marked
`done` (handed over) in the transaction that publishes it: if the publish fails the
row stays queued; if the commit fails after the publish, the message is published
again (at least once, as RabbitMQ delivers anyway). SKIP LOCKED lets every worker
process relay at once.
"""
import logging
import threading
from pathlib import Path

from dramatiq import Message
from dramatiq.middleware import Middleware

from bayflow.queries import load
from tasks.db import Link

logger = logging.getLogger(__name__)

queries = load(Path(__file__).with_name("sql") / "relay.sql")

BATCH = 200
IDLE_POLL_S = 0.2


class OutboxRelay(Middleware):
    def __init__(self, url_of) -> None:
        self.url_of = url_of
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def after_worker_boot(self, broker, worker) -> None:
        self.thread = threading.Thread(target=self._run, args=(broker,), name="bayflow-outbox-relay", daemon=True)
        self.thread.start()

    def before_worker_shutdown(self, broker, worker) -> None:
        self.stopping.set()
        if self.thread:
            self.thread.join(10)

    def _run(self, broker) -> None:
        link = Link(self.url_of())
        while not self.stopping.is_set():
            try:
                if relay(link, broker) < BATCH:
                    self.stopping.wait(IDLE_POLL_S)
            except Exception:
                logger.exception("Relaying jobs to RabbitMQ failed; retrying.")
                self.stopping.wait(1.0)
        link.close()


def relay(link: Link, broker) -> int:
    """Publish up to BATCH due jobs from the outbox; return how many."""
    with link.transaction() as conn:
        rows = conn.execute(queries.take_due_jobs.psycopg, {"limit": BATCH}).fetchall()
        for (text,) in rows:
            broker.enqueue(Message.decode(text.encode()))
    return len(rows)
