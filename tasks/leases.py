"""Leases of claimed jobs: heartbeat, rescue of expired leases, purge of finished jobs.

Each worker process holds its claimed jobs under leases it renews every third of
the lease. Any process rescues expired leases of dead workers running actors it
knows (back to `queued`, or `failed` with on_retry_exhausted sent once the job has
lost its allowed claims) and purges finished jobs after the retention; SKIP LOCKED
keeps them from stepping on each other.
"""
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from dramatiq.errors import ActorNotFound, ConnectionClosed
from dramatiq.message import Message

from bayflow.queries import load
from tasks import periodic
from tasks.db import Link
from tasks.enqueue import JobRow, insert_rows
from tasks.listener import notify

logger = logging.getLogger(__name__)

queries = load(Path(__file__).with_name("sql") / "leases.sql")

PURGE_EVERY_S = 60.0
PERIODIC_EVERY_S = 1.0


def rescue_expired(conn, broker) -> int:
    """Requeue jobs of `broker`'s actors whose leases expired; return how many.

    A job that has lost max_attempts claims this way is failed instead, and its
    on_retry_exhausted actor (message option, else actor option) is sent a message as
    dramatiq's Retries sends one, in the same transaction.
    """
    rows = conn.execute(queries.rescue_expired.psycopg, {"actors": sorted(broker.actors)}).fetchall()
    notify(conn, {q for q, status, _ in rows if status == "queued"})
    exhausted = [_retry_exhausted(broker, Message.decode(text.encode())) for _, status, text in rows
                 if status == "failed"]
    insert_rows(conn, [JobRow.of(m) for m in exhausted if m is not None])
    return len(rows)


def _retry_exhausted(broker, message: Message) -> Message | None:
    actor_options = broker.get_actor(message.actor_name).options
    target = message.options.get("on_retry_exhausted") or actor_options.get("on_retry_exhausted")
    if not target:
        return None
    max_retries = message.options.get("max_retries", actor_options.get("max_retries"))
    try:
        return broker.get_actor(target).message(
            message.asdict(), {"retries": message.options.get("retries", 0), "max_retries": max_retries})
    except ActorNotFound:
        logger.error("on_retry_exhausted actor %r of failed job %s is not defined here.", target, message.message_id)
        return None


class Leases(threading.Thread):
    def __init__(self, broker, lease_s: float, retention_s: int) -> None:
        super().__init__(name="bayflow-leases", daemon=True)
        self.broker = broker
        self.lease_s = lease_s
        self.retention_s = retention_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._link: Link | None = None
        self.changed = threading.Condition()
        self.outstanding_by_queue: Counter[str] = Counter()
        self.held: dict[int, object] = {}
        self.stopping = threading.Event()

    # Bookkeeping, called from consumer, worker and acker threads.

    def hold(self, queue_name: str, jobs: list) -> None:
        with self.changed:
            self.outstanding_by_queue[queue_name] += len(jobs)
            for job in jobs:
                self.held[job.job_id] = job

    def finished(self, job) -> None:
        """The worker is done with the job (its finish is on the way to the database)."""
        with self.changed:
            self.outstanding_by_queue[job.queue_name] -= 1
            self.changed.notify_all()

    def release(self, jobs: list) -> None:
        """The jobs' finish is committed (or abandoned): stop renewing their leases."""
        with self.changed:
            for job in jobs:
                if self.held.get(job.job_id) is job:
                    del self.held[job.job_id]

    def outstanding(self, queue_name: str) -> int:
        return self.outstanding_by_queue[queue_name]

    def wait_for_room(self, queue_name: str, prefetch: int, timeout: float) -> int:
        """How many more jobs the queue's consumer may claim, waiting up to `timeout` for room."""
        with self.changed:
            self.changed.wait_for(lambda: self.outstanding_by_queue[queue_name] < prefetch, timeout)
            return prefetch - self.outstanding_by_queue[queue_name]

    def unfinished(self) -> list:
        with self.changed:
            return list(self.held.values())

    # The maintenance thread.

    @property
    def link(self) -> Link:
        if self._link is None:
            self._link = Link(self.broker.url, bookkeeping=True)
        return self._link

    def run(self) -> None:
        due = {"renew": 0.0, "rescue": 0.0, "purge": 0.0, "periodic": 0.0}
        every = {"renew": self.lease_s / 3, "rescue": self.lease_s / 2, "purge": PURGE_EVERY_S,
                 "periodic": PERIODIC_EVERY_S}
        while not self.stopping.is_set():
            now = time.monotonic()
            for task, at in due.items():
                if now < at:
                    continue
                try:
                    getattr(self, task)()
                    due[task] = now + every[task]
                except ConnectionClosed as exc:
                    logger.warning("Lease keeper lost the database (%s); retrying.", exc)
                    due[task] = now + 1.0
                except Exception:
                    logger.exception("Lease keeper task %r failed.", task)
                    due[task] = now + every[task]
            self.stopping.wait(max(0.05, min(due.values()) - time.monotonic()))
        self.link.close()

    def renew(self) -> None:
        jobs = self.unfinished()
        if jobs:
            with self.link.transaction() as conn:
                conn.execute(queries.renew_leases.psycopg, {
                    "lease_s": self.lease_s, "ids": [j.job_id for j in jobs], "tokens": [j.lease_token for j in jobs]})

    def rescue(self) -> None:
        with self.link.transaction() as conn:
            rescued = rescue_expired(conn, self.broker)
        if rescued:
            logger.warning("Rescued %d jobs whose leases expired.", rescued)

    def purge(self) -> None:
        with self.link.transaction() as conn:
            conn.execute(queries.purge_finished_jobs.psycopg, {"retention_s": self.retention_s})
            conn.execute(queries.purge_expired_results.psycopg)

    def periodic(self) -> None:
        with self.link.transaction() as conn:
            periodic.fire_due(conn)

    def stop(self) -> None:
        self.stopping.set()
        self.join(10)
