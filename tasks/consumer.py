"""Consumers claim batches of ready jobs with SELECT ... FOR UPDATE SKIP LOCKED."""
import threading
from pathlib import Path

from dramatiq.broker import Consumer, MessageProxy
from dramatiq.message import Message

from bayflow.queries import load
from tasks.db import Link

queries = load(Path(__file__).with_name("sql") / "consumer.sql")

#: Shortest idle wait: a due job still locked by another consumer's claim must not spin this one.
MIN_WAIT_S = 0.005


class JobProxy(MessageProxy):
    """A claimed job: its message plus the lease that fences its ack.

    While the job is processed, messages sent from its worker thread (the next
    pipeline step, a retry, on_retry_exhausted) and its result are buffered here and
    written in the transaction that finishes the job.
    """

    def __init__(self, message: Message, job_id: int, lease_token, pipeline_id: str | None):
        super().__init__(message)
        self.job_id = job_id
        self.lease_token = lease_token
        self.pipeline_id = pipeline_id
        self.sends: list = []        # tasks.enqueue.JobRow
        self.results: list = []      # (message_key, json result, ttl ms)
        self.retry: tuple | None = None  # (message, delay ms): Retries re-enqueued this job


class PostgresConsumer(Consumer):
    def __init__(self, broker, queue_name: str, prefetch: int, timeout: int) -> None:
        self.broker = broker
        self.queue_name = queue_name
        self.prefetch = prefetch
        self.timeout = timeout / 1000
        self.link = Link(broker.url, bookkeeping=True)
        self.claimed: list[JobProxy] = []
        self.next_due_s = self.timeout  # set by an empty claim
        self.wakeup = broker.wakeups.event(queue_name)

    def __next__(self) -> JobProxy | None:
        if self.claimed:
            return self.claimed.pop(0)
        room = self.broker.leases.wait_for_room(self.queue_name, self.prefetch, self.timeout)
        if room > 0:
            self.wakeup.clear()
            self.claimed = self._claim(min(room, self.broker.claim_batch))
            # NOTIFY wakes the wait when a job is committed; a delayed one is claimed when due
            if not self.claimed and self.wakeup.wait(max(MIN_WAIT_S, min(self.timeout, self.next_due_s))):
                self.wakeup.clear()
                self.claimed = self._claim(min(room, self.broker.claim_batch))
            if self.claimed:
                return self.claimed.pop(0)
        return None

    def _claim(self, limit: int) -> list[JobProxy]:
        leases = self.broker.leases
        with self.link.transaction() as conn:
            rows = conn.execute(queries.claim_jobs.psycopg, {
                "queue": self.queue_name, "limit": limit, "owner": leases.owner, "lease_s": leases.lease_s,
            }).fetchall()
            if not rows:
                due = conn.execute(queries.next_due.psycopg,
                                   {"queue": self.queue_name, "horizon_s": self.timeout}).fetchone()[0]
                self.next_due_s = self.timeout if due is None else due
        proxies = [JobProxy(Message.decode(text.encode()), *row) for *row, text in rows]
        leases.hold(self.queue_name, proxies)
        return proxies

    def ack(self, message: JobProxy) -> None:
        self.broker.finish(message, "retry" if message.retry else "done")

    def nack(self, message: JobProxy) -> None:
        self.broker.finish(message, "failed")

    def requeue(self, messages) -> None:
        """Give back claimed jobs that never started (worker shutdown, consumer restart)."""
        for message in messages:
            self.broker.finish(message, "requeue")

    def close(self) -> None:
        self.requeue(self.claimed)
        self.claimed = []
        self.link.close()


_local = threading.local()


def current_job() -> JobProxy | None:
    """The job the calling worker thread is processing, if any."""
    return getattr(_local, "job", None)


def set_current_job(job: JobProxy | None) -> None:
    _local.job = job
