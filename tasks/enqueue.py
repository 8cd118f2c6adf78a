"""Transactional enqueue: a job written in the caller's own transaction.

    with psycopg.connect(url) as conn:              # a worker or script
        ...business writes...
        enqueue(conn, plan.message(work_order_id), unique_key=f"plan:{work_order_id}")

    async def handler(conn = Depends(rls_connection)):  # the API, as `authenticated`
        await enqueue_async(conn, pipeline([enrich.message(id), plan.message()]))

The job exists only if that transaction commits and workers see it only after the
commit (NOTIFY is delivered at commit). A unique key makes a duplicate enqueue among
not-yet-started jobs a no-op returning the existing job. Both sides run one definition
(`tasks.drivers`) through the `bayflow.enqueue` SQL function, which the API's `authenticated`
role may execute.
With BAYFLOW_BROKER=rabbitmq the row is an outbox entry relayed to RabbitMQ after
commit (tasks/relay.py).
"""
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dramatiq
from dramatiq import Message

from bayflow.queries import load
from tasks import options
from tasks.drivers import Unit, arun, run
from tasks.listener import notify

queries = load(Path(__file__).with_name("sql") / "enqueue.sql")


@dataclass(frozen=True)
class EnqueuedJob:
    job_id: int
    message_id: str
    created: bool  # False: a job with the same unique key (or message id) was already pending


@dataclass(frozen=True)
class JobRow:
    """The job_queue columns of one message."""

    message: Message
    json: str
    priority: int
    delay_ms: int
    max_attempts: int
    unique_key: str | None
    pipeline_id: str | None

    @classmethod
    def of(cls, message: Message, delay_ms: int | None = None, *, pipeline_id: str | None = None) -> "JobRow":
        opts = message.options
        pipeline_id = opts.get("pipeline_id") or pipeline_id
        if pipeline_id is None and "pipe_target" in opts:
            pipeline_id = message.message_id
        try:
            text = message.encode().decode()
        except UnicodeDecodeError:
            raise ValueError(f"job_queue keeps messages as JSON, but dramatiq's encoder is "
                             f"{type(dramatiq.get_encoder()).__name__}: use dramatiq.JSONEncoder") from None
        return cls(
            message=message,
            json=text,
            priority=options.priority(message),
            delay_ms=int(delay_ms or 0),
            max_attempts=options.max_attempts(message),
            unique_key=opts.get("unique_key"),
            pipeline_id=pipeline_id,
        )

    def params(self) -> dict:
        """The parameters of the `enqueue_job` query."""
        delay = timedelta(milliseconds=self.delay_ms) if self.delay_ms else None
        return {"message": self.json, "priority": self.priority, "delay": delay, "max_attempts": self.max_attempts,
                "unique_key": self.unique_key, "pipeline_id": self.pipeline_id}


def insert_rows(conn, rows: list[JobRow]) -> int:
    """Insert many jobs in one statement (duplicates skipped); return how many were inserted.

    The rows travel as one JSON document: cheaper to send and parse than one array per column.
    """
    if not rows:
        return 0
    document = "[" + ",".join(
        '{"m":%s,"p":%d,"d":%d,"x":%d,"u":%s,"pl":%s}'
        % (r.json, r.priority, r.delay_ms, r.max_attempts, json.dumps(r.unique_key), json.dumps(r.pipeline_id))
        for r in rows
    ) + "]"
    inserted = conn.execute(queries.insert_jobs.psycopg, {"jobs": document}).rowcount
    notify(conn, {r.message.queue_name for r in rows if not r.delay_ms})
    return inserted


def _message(item, unique_key: str | None) -> Message:
    message = item.messages[0] if isinstance(item, dramatiq.pipeline) else item
    if unique_key is not None:
        message = message.copy(options={"unique_key": unique_key})
    return message


def enqueue_many(conn, messages: list[Message]) -> int:
    """Write many messages in `conn`'s current transaction with one statement (psycopg)."""
    return insert_rows(conn, [JobRow.of(m) for m in messages])


def enqueue_job(item: Message | dramatiq.pipeline, *, delay: int | None = None,
                unique_key: str | None = None) -> Unit[EnqueuedJob]:
    """The statement writing a message, or a pipeline's first step (run by `tasks.drivers`)."""
    row = JobRow.of(_message(item, unique_key), delay)
    job_id, created = yield queries.enqueue_job, row.params()
    return EnqueuedJob(job_id, row.message.message_id, created)


def enqueue(conn, item: Message | dramatiq.pipeline, *, delay: int | None = None,
            unique_key: str | None = None) -> EnqueuedJob:
    """Write a message, or a pipeline's first step, in `conn`'s current transaction (psycopg)."""
    return run(conn, enqueue_job(item, delay=delay, unique_key=unique_key))


async def enqueue_async(conn, item: Message | dramatiq.pipeline, *, delay: int | None = None,
                        unique_key: str | None = None) -> EnqueuedJob:
    """The same on an SQLAlchemy AsyncConnection (the API's `rls_connection`)."""
    return await arun(conn, enqueue_job(item, delay=delay, unique_key=unique_key))
