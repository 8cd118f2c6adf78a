"""bayflow's dramatiq broker on Postgres: messages are rows of `job_queue`.

Actors are plain `@dramatiq.actor`s and run under `dramatiq tasks <modules>` or
`bayflow worker`. Consumers claim batches with SKIP LOCKED and wake on NOTIFY
(polling as fallback); leases renewed by a heartbeat hand a dead worker's jobs to
others; the acker finishes jobs in batches, each job together with the messages it
sent (next pipeline step, retry) and its result, so a worker dying in between can
neither lose nor double a step.

How it differs from dramatiq's brokers, on purpose:
- Attempts are counted at claim. Exceptions are retried as dramatiq's Retries
  middleware decides (`max_retries`, `max_retries=None` for ever, `retry_when`), but a
  claim that ends without the worker's answer (its lease expired: the worker died, hung
  or lost the database) is counted too, and a job that has lost `max_retries + 1`
  claims that way ends `failed` (with `on_retry_exhausted` sent) instead of killing
  workers for ever, as a message redelivered by RabbitMQ would.
- `queues` is a set of names, as in dramatiq's RabbitMQ and Redis brokers (StubBroker
  alone keeps a dict of in-memory queues); the messages are rows of `job_queue`.
- Enqueueing on an undeclared queue is allowed (the API writes jobs for actors that
  only workers import); `consume` and `join` raise QueueNotFound for it.
- `dead_letters` are the queue's `failed` rows; `flush` drops them, as RabbitMQ's
  flush purges the dead-letter queue. `join(fail_fast=True)` re-raises the actor's own
  exception only for a job that failed in this process during the join (JobFailed
  otherwise): keeping exceptions longer would pin their frames.
- Messages must be JSON (dramatiq's default encoder): `job_queue.message` is jsonb.
"""
import threading
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from typing import Optional

from dramatiq.broker import Broker, MessageProxy
from dramatiq.errors import QueueJoinTimeout, QueueNotFound
from dramatiq.message import Message
from dramatiq.middleware import Middleware

from bayflow.config import settings
from bayflow.database import database_url, plain_url
from bayflow.queries import Query, load
from tasks.acks import Acker, Finish
from tasks.consumer import JobProxy, PostgresConsumer, current_job, set_current_job
from tasks.db import Link
from tasks.enqueue import JobRow, enqueue
from tasks.leases import Leases
from tasks.listener import Wakeups

queries = load(Path(__file__).with_name("sql") / "broker.sql")


class JobFailed(Exception):
    """A dead-lettered job whose exception was raised in another process or before the join began."""

    def __init__(self, job_id: int, actor_name: str, error: str | None) -> None:
        super().__init__(f"job {job_id} ({actor_name}) failed: {error or 'unknown error'}")
        self.job_id = job_id


class DeadLetter(MessageProxy):
    """A `failed` row of `job_queue`: its message, attempts, last error and traceback."""

    def __init__(self, message: Message, job_id: int, attempts: int, error: str | None, trace: str | None,
                 exception: BaseException | None) -> None:
        super().__init__(message)
        self.failed = True
        self.job_id, self.attempts, self.error, self.traceback = job_id, attempts, error, trace
        self._exception = exception


class PostgresBroker(Broker):
    """A dramatiq broker on bayflow's `job_queue` table.

    Parameters:
      url(str): Postgres URL; default DATABASE_URL (resolved on first use).
      lease_s(float): seconds a claimed job stays leased without a heartbeat.
      claim_batch(int): most jobs claimed per statement.
      retention_s(int): seconds finished jobs are kept.
      fail_fast_default(bool): what `join` does about dead letters when not told
        (StubBroker's default is True; joins of a real broker usually only wait).

    See the module docstring for where it differs from dramatiq's brokers, on purpose.
    """

    def __init__(self, *, url: Optional[str] = None, middleware=None, lease_s: Optional[float] = None,
                 claim_batch: Optional[int] = None, retention_s: Optional[int] = None,
                 fail_fast_default: bool = False) -> None:
        super().__init__(middleware=middleware)
        config = settings()
        self._url = url and plain_url(url)
        self.queues: set[str] = set()
        self.fail_fast_default = fail_fast_default
        # Exceptions of jobs failed here while a fail-fast join waits on their queue (kept no longer:
        # an exception holds its frames).
        self._fail_fast_joins: Counter[str] = Counter()
        self._failures: dict[int, tuple[str, BaseException]] = {}
        self._failures_lock = threading.Lock()
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
        """A consumer claiming the queue's jobs; QueueNotFound if the queue was never declared."""
        if queue_name not in self.queues:
            raise QueueNotFound(queue_name)
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
                enqueue(conn, message, delay=delay)
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
        if how == "failed" and job._exception is not None:
            with self._failures_lock:
                if self._fail_fast_joins[job.queue_name]:
                    self._failures[job.job_id] = (job.queue_name, job._exception)
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
        """Drop the queue's waiting jobs and its dead letters (running jobs finish)."""
        self._execute(queries.flush_queues, {"queues": [queue_name]})

    def flush_all(self) -> None:
        self._execute(queries.flush_queues, {"queues": sorted(self.queues)})

    @property
    def dead_letters(self) -> list[DeadLetter]:
        """The failed jobs of every queue, oldest failure first (kept for BAYFLOW_JOB_RETENTION_S)."""
        return self._dead_letters(None)

    @property
    def dead_letters_by_queue(self) -> defaultdict[str, list[DeadLetter]]:
        """The failed jobs by queue name (an undeclared or clean queue has none)."""
        by_queue: defaultdict[str, list[DeadLetter]] = defaultdict(list)
        for letter in self.dead_letters:
            by_queue[letter.queue_name].append(letter)
        return by_queue

    def _dead_letters(self, queue_name: str | None) -> list[DeadLetter]:
        with self._link().transaction() as conn:
            rows = conn.execute(queries.dead_letters.psycopg, {"queue": queue_name}).fetchall()
        with self._failures_lock:
            failures = {job_id: exception for job_id, (_, exception) in self._failures.items()}
        return [DeadLetter(Message.decode(text.encode()), job_id, attempts, error, trace, failures.get(job_id))
                for job_id, text, attempts, error, trace in rows]

    def _execute(self, query: Query, params: dict):
        """Run one statement in its own transaction; its first row, if it returns rows."""
        with self._link().transaction() as conn:
            cursor = conn.execute(query.psycopg, params)
            return cursor.fetchone() if cursor.description else None

    def join(self, queue_name: str, *, interval: int = 100, timeout: Optional[int] = None,
             fail_fast: Optional[bool] = None) -> None:
        """Wait until the queue has no queued (delayed included) or running jobs (for tests).

        Parameters:
          interval(int): milliseconds between checks.
          timeout(int): most milliseconds to wait; then QueueJoinTimeout.
          fail_fast(bool): once drained, raise if the queue has dead letters: the actor's own
            exception of a job that failed in this process during the join, else JobFailed
            naming the oldest one's last error. None: `fail_fast_default`.

        Raises:
          QueueNotFound: the queue was never declared.
        """
        if queue_name not in self.queues:
            raise QueueNotFound(queue_name)
        fail_fast = self.fail_fast_default if fail_fast is None else fail_fast
        with self._failures_lock:
            self._fail_fast_joins[queue_name] += fail_fast
        try:
            deadline = timeout and time.monotonic() + timeout / 1000
            while self._execute(queries.pending_jobs, {"queue": queue_name})[0]:
                if deadline and time.monotonic() >= deadline:
                    raise QueueJoinTimeout(queue_name)
                time.sleep(interval / 1000)
            letters = self._dead_letters(queue_name) if fail_fast else []
            for letter in sorted(letters, key=lambda letter: letter._exception is None):  # ours first
                raise letter._exception or JobFailed(letter.job_id, letter.actor_name, letter.error)
        finally:
            with self._failures_lock:
                self._fail_fast_joins[queue_name] -= fail_fast
                if not self._fail_fast_joins[queue_name]:
                    self._failures = {k: v for k, v in self._failures.items() if v[0] != queue_name}


def _finish(job: JobProxy, how: str) -> Finish:
    if how == "done":
        return Finish(job, "done")
    if how == "requeue":
        return Finish(job, "queued", undo_attempt=True)
    error, trace = _error(job)
    if how == "retry":  # Retries decided (max_retries, retry_when): no cap of our own here
        message, delay = job.retry
        return Finish(job, "queued", delay_ms=int(delay or 0), message=message.encode().decode(),
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
