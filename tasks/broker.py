"""bayflow's dramatiq broker on Postgres: messages are rows of `job_queue`.

Actors are plain `@dramatiq.actor`s and run under `dramatiq tasks <modules>` or
`bayflow worker`. Consumers claim batches with SKIP LOCKED and wake on NOTIFY
(polling as fallback); leases renewed by a heartbeat hand a dead worker's jobs to
others; the acker finishes jobs in batches, each job together with the messages it
sent (next pipeline step, retry) and its result, so a worker dying in between can
neither lose nor double a step.
"""
import threading
import time
import traceback
from typing import Optional

from dramatiq.broker import Broker
from dramatiq.errors import QueueJoinTimeout
from dramatiq.middleware import Middleware

from bayflow.config import settings
from bayflow.database import database_url, plain_url
from tasks.acks import Acker, Finish
from tasks.consumer import JobProxy, PostgresConsumer, current_job, set_current_job
from tasks.db import Link
from tasks.enqueue import SQL as ENQUEUE, JobRow
from tasks.leases import Leases
from tasks.listener import Wakeups

PENDING = "select count(*) from public.job_queue where queue = %s and status in ('queued', 'running')"
FLUSH = "delete from public.job_queue where queue = any(%s) and status = 'queued'"


class PostgresBroker(Broker):
    """A dramatiq broker on bayflow's `job_queue` table.

    Parameters:
      url(str): Postgres URL; default DATABASE_URL (resolved on first use).
      lease_s(float): seconds a claimed job stays leased without a heartbeat.
      claim_batch(int): most jobs claimed per statement.
      retention_s(int): seconds finished jobs are kept.
    """

    def __init__(self, *, url: Optional[str] = None, middleware=None, lease_s: Optional[float] = None,
                 claim_batch: Optional[int] = None, retention_s: Optional[int] = None) -> None:
        super().__init__(middleware=middleware)
        config = settings()
        self._url = url and plain_url(url)
        self.queues = set()
        self.claim_batch = claim_batch or config.bayflow_job_claim_batch
        self.wakeups = Wakeups(lambda: self.url)
        self.leases = Leases(self, lease_s or config.bayflow_job_lease_s,
                             config.bayflow_job_retention_s if retention_s is None else retention_s)
        self.acker = Acker(lambda: self.url, self.leases)
        self._started = False
        self._start_lock = threading.Lock()
        self._local = threading.local()
        self.add_middleware(_CurrentJob())

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = database_url()
        return self._url

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> PostgresConsumer:
        self._start()
        return PostgresConsumer(self, queue_name, prefetch, timeout)

    def _start(self) -> None:
        with self._start_lock:
            if not self._started:
                self._started = True
                for thread in (self.wakeups, self.leases, self.acker):
                    thread.start()

    def get_declared_queues(self) -> set[str]:
        return self.queues.copy()

    def declare_queue(self, queue_name: str) -> None:
        if queue_name not in self.queues:
            self.emit_before("declare_queue", queue_name)
            self.queues.add(queue_name)
            self.emit_after("declare_queue", queue_name)

    def enqueue(self, message, *, delay: Optional[int] = None):
        """Write the message now, or, from a worker thread processing a job, with that job's ack."""
        self.emit_before("enqueue", message, delay)
        job = current_job()
        if job is not None and message.message_id == job.message_id:
            job.retry = (message, delay)  # the Retries middleware re-enqueueing the job itself
        elif job is not None:
            job.sends.append(JobRow.of(message, delay, pipeline_id=job.pipeline_id))
        else:
            with self._link().transaction() as conn:
                conn.execute(ENQUEUE, JobRow.of(message, delay).params())
        self.emit_after("enqueue", message, delay)
        return message

    def _link(self) -> Link:
        if getattr(self._local, "link", None) is None:
            self._local.link = Link(self.url)
        return self._local.link

    def finish(self, job: JobProxy, how: str) -> None:
        """Hand a claimed job to the acker: `done`, `retry`, `failed` or `requeue` (never started)."""
        if current_job() is job:
            set_current_job(None)
        self.leases.finished(job)
        self.acker.submit(_finish(job, how))

    def close(self) -> None:
        """Finish pending acks, give back jobs still held (their threads outlived shutdown), stop."""
        if not self._started:
            return
        self.acker.flush()
        for job in self.leases.unfinished():
            self.acker.submit(Finish(job, "queued", error="released at worker shutdown"))
        self.acker.stop()
        self.leases.stop()
        self.wakeups.stop()

    def flush(self, queue_name: str) -> None:
        self._execute(FLUSH, ([queue_name],))

    def flush_all(self) -> None:
        self._execute(FLUSH, (sorted(self.queues),))

    def _execute(self, sql: str, params: tuple):
        with self._link().transaction() as conn:
            return conn.execute(sql, params).fetchone() if sql.lstrip().startswith("select") else None

    def join(self, queue_name: str, *, interval: int = 100, timeout: Optional[int] = None) -> None:
        """Wait until the queue has no queued or running jobs (for tests)."""
        deadline = timeout and time.monotonic() + timeout / 1000
        while self._execute(PENDING, (queue_name,))[0]:
            if deadline and time.monotonic() >= deadline:
                raise QueueJoinTimeout(queue_name)
            time.sleep(interval / 1000)


def _finish(job: JobProxy, how: str) -> Finish:
    if how == "done":
        return Finish(job, "done")
    if how == "requeue":
        return Finish(job, "queued", undo_attempt=True)
    error, trace = _error(job)
    if how == "retry":
        message, delay = job.retry
        status = "queued" if job.attempts < job.max_attempts else "failed"
        return Finish(job, status, delay_ms=int(delay or 0), message=message.encode().decode(),
                      error=error, traceback=trace)
    return Finish(job, "failed", error=error, traceback=trace)


def _error(job: JobProxy) -> tuple[str | None, str | None]:
    exc = job._exception
    if exc is None:
        return None, job.options.get("traceback")
    trace = job.options.get("traceback") or "".join(traceback.format_exception(exc))
    return f"{type(exc).__name__}: {exc}", trace


class _CurrentJob(Middleware):
    """Marks the job a worker thread processes, so what it sends is written with its ack."""

    def before_process_message(self, broker, message) -> None:
        if isinstance(message, JobProxy):
            set_current_job(message)
