"""Consumers claim batches of ready jobs with SELECT ... FOR UPDATE SKIP LOCKED."""
import threading

from dramatiq.broker import Consumer, MessageProxy
from dramatiq.message import Message

from tasks.db import Link

CLAIM = """
with ready as (
  select id from public.job_queue
   where status = 'queued' and queue = %(queue)s and run_at <= now()
   order by priority, run_at
   limit %(limit)s
   for update skip locked
)
update public.job_queue j
   set status = 'running', attempts = j.attempts + 1, lease_owner = %(owner)s,
       lease_token = gen_random_uuid(), lease_expires_at = now() + %(lease)s * interval '1 second',
       started_at = now(), updated_at = now()
  from ready
 where j.id = ready.id
returning j.id, j.lease_token, j.pipeline_id, j.message::text
"""

#: Shortest idle wait: a due job still locked by another consumer's claim must not spin this one.
MIN_WAIT_S = 0.005

# Seconds until the queue's next delayed job (a retry's backoff, a delay) is due, within `horizon`.
NEXT_DUE = """
select extract(epoch from min(run_at) - now())::float8 from public.job_queue
 where status = 'queued' and queue = %(queue)s and run_at < now() + %(horizon)s * interval '1 second'
"""


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
            rows = conn.execute(CLAIM, {
                "queue": self.queue_name, "limit": limit, "owner": leases.owner, "lease": leases.lease_s,
            }).fetchall()
            if not rows:
                due = conn.execute(NEXT_DUE, {"queue": self.queue_name, "horizon": self.timeout}).fetchone()[0]
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
