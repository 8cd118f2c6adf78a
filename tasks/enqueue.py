"""Transactional enqueue: a job written in the caller's own transaction.

    with psycopg.connect(url) as conn:              # a worker or script
        ...business writes...
        enqueue(conn, plan.message(work_order_id), unique_key=f"plan:{work_order_id}")

    async def handler(conn = Depends(rls_connection)):  # the API, as `authenticated`
        await enqueue_async(conn, pipeline([enrich.message(id), plan.message()]))

The job exists only if that transaction commits and workers see it only after the
commit (NOTIFY is delivered at commit). A unique key makes a duplicate enqueue among
not-yet-started jobs a no-op returning the existing job. Both go through the
`bayflow.enqueue` SQL function, which the API's `authenticated` role may execute.
With BAYFLOW_BROKER=rabbitmq the row is an outbox entry relayed to RabbitMQ after
commit (tasks/relay.py).
"""
import json
from dataclasses import dataclass
from datetime import timedelta

import dramatiq
from dramatiq import Message

from tasks import options

SQL = "select job_id, created from bayflow.enqueue(%s::jsonb, %s, %s, %s, %s, %s)"
_SQL_NAMED = (
    "select job_id, created from bayflow.enqueue(cast(:message as jsonb), :priority, :delay,"
    " :max_attempts, :unique_key, :pipeline_id)"
)


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

    def params(self) -> tuple:
        delay = timedelta(milliseconds=self.delay_ms) if self.delay_ms else None
        return (self.json, self.priority, delay, self.max_attempts, self.unique_key, self.pipeline_id)


INSERT_MANY = """
insert into public.job_queue (message_id, queue, actor, message, priority, run_at, max_attempts, unique_key, pipeline_id)
select (t.m ->> 'message_id')::uuid, t.m ->> 'queue_name', t.m ->> 'actor_name', t.m, t.p,
       now() + t.d * interval '1 millisecond', t.x, t.u, t.pl
  from jsonb_to_recordset(%s::jsonb) as t(m jsonb, p int, d bigint, x int, u text, pl text)
on conflict do nothing
"""
NOTIFY = "select pg_notify('bayflow_jobs', q) from unnest(%s::text[]) as q"


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
    inserted = conn.execute(INSERT_MANY, (document,)).rowcount
    ready = sorted({r.message.queue_name for r in rows if not r.delay_ms})
    if ready:
        conn.execute(NOTIFY, (ready,))
    return inserted


def _message(item, unique_key: str | None) -> Message:
    message = item.messages[0] if isinstance(item, dramatiq.pipeline) else item
    if unique_key is not None:
        message = message.copy(options={"unique_key": unique_key})
    return message


def enqueue_many(conn, messages: list[Message]) -> int:
    """Write many messages in `conn`'s current transaction with one statement (psycopg)."""
    return insert_rows(conn, [JobRow.of(m) for m in messages])


def enqueue(conn, item: Message | dramatiq.pipeline, *, delay: int | None = None,
            unique_key: str | None = None) -> EnqueuedJob:
    """Write a message, or a pipeline's first step, in `conn`'s current transaction (psycopg)."""
    row = JobRow.of(_message(item, unique_key), delay)
    job_id, created = conn.execute(SQL, row.params()).fetchone()
    return EnqueuedJob(job_id, row.message.message_id, created)


async def enqueue_async(conn, item: Message | dramatiq.pipeline, *, delay: int | None = None,
                        unique_key: str | None = None) -> EnqueuedJob:
    """The same on an SQLAlchemy AsyncConnection (the API's `rls_connection`)."""
    from sqlalchemy import text

    row = JobRow.of(_message(item, unique_key), delay)
    keys = ("message", "priority", "delay", "max_attempts", "unique_key", "pipeline_id")
    result = await conn.execute(text(_SQL_NAMED), dict(zip(keys, row.params())))
    job_id, created = result.one()
    return EnqueuedJob(job_id, row.message.message_id, created)

