"""Batched acks: one transaction finishes many jobs, with the messages they sent and their results.

Worker threads hand finished jobs to the acker thread and move on; each commit
covers whatever piled up meanwhile, so commits per job fall as load rises. Every
row is fenced by its lease token: a job whose lease was rescued is not finished
and its buffered messages are dropped, so a retried commit (after a lost
connection) never doubles a pipeline step.
"""
import logging
import queue
import threading
import time
from pathlib import Path

from dramatiq.errors import ConnectionClosed

from bayflow.queries import load
from tasks.db import Link
from tasks.enqueue import insert_rows
from tasks.listener import notify

logger = logging.getLogger(__name__)

queries = load(Path(__file__).with_name("sql") / "acks.sql")

MAX_BATCH = 500
# The array parameters of `finish_jobs`, one element per job, in Finish's order.
FINISH_COLUMNS = ("ids", "tokens", "statuses", "undo_attempts", "delays_ms", "messages", "errors", "tracebacks")


class Finish:
    """How one claimed job ends: status `done`, `failed` or `queued` (retry, give back)."""

    __slots__ = ("job", "status", "undo_attempt", "delay_ms", "message", "error", "traceback")

    def __init__(self, job, status, *, undo_attempt=False, delay_ms=0, message=None, error=None, traceback=None):
        self.job, self.status, self.undo_attempt, self.delay_ms = job, status, undo_attempt, delay_ms
        self.message, self.error, self.traceback = message, error, traceback


class Acker(threading.Thread):
    def __init__(self, url_of, leases) -> None:
        super().__init__(name="bayflow-acker", daemon=True)
        self.url_of = url_of
        self.link: Link | None = None
        self.leases = leases
        self.pending: queue.Queue[Finish | None] = queue.Queue()  # None: stop
        self.progress = threading.Condition()
        self.submitted = self.committed = 0
        self.running = True

    def submit(self, finish: Finish) -> None:
        with self.progress:
            self.submitted += 1
        self.pending.put(finish)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything submitted so far is committed; False on timeout."""
        with self.progress:
            target = self.submitted
            return self.progress.wait_for(lambda: self.committed >= target, timeout)

    def stop(self, timeout: float = 30.0) -> None:
        self.flush(timeout)
        self.running = False
        self.pending.put(None)  # wakes run() at once instead of after its poll interval
        self.join(timeout)
        if self.link:
            self.link.close()

    def run(self) -> None:
        while self.running:
            try:
                batch = [self.pending.get(timeout=0.5)]
            except queue.Empty:
                continue
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self.pending.get_nowait())
                except queue.Empty:
                    break
            batch = [finish for finish in batch if finish is not None]
            if not batch:
                continue
            self._commit_until_done(batch)
            self.leases.release([f.job for f in batch])
            with self.progress:
                self.committed += len(batch)
                self.progress.notify_all()

    def _commit_until_done(self, batch: list[Finish]) -> None:
        delay = 0.1
        while True:
            try:
                return self._commit(batch)
            except ConnectionClosed as exc:
                logger.warning("Finishing %d jobs failed (%s); retrying in %.1fs.", len(batch), exc, delay)
            except Exception:
                # Not a connection problem: retrying would fail again. The rows stay
                # `running` and are rescued when their leases (no longer renewed) expire.
                logger.critical("Could not finish %d jobs; their leases will expire.", len(batch), exc_info=True)
                return
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _commit(self, batch: list[Finish]) -> None:
        columns = {name: [] for name in FINISH_COLUMNS}
        for f in batch:
            values = (f.job.job_id, f.job.lease_token, f.status, int(f.undo_attempt), f.delay_ms,
                      f.message, f.error, f.traceback)
            for column, value in zip(columns.values(), values):
                column.append(value)
        self.link = self.link or Link(self.url_of(), bookkeeping=True)
        with self.link.transaction() as conn:
            finished = {row[0] for row in conn.execute(queries.finish_jobs.psycopg, columns)}
            jobs = [f.job for f in batch if f.job.job_id in finished]
            insert_rows(conn, [row for job in jobs for row in job.sends])
            results = [r for job in jobs for r in job.results]
            if results:
                keys, values, ttls = (list(c) for c in zip(*results))
                conn.execute(queries.store_results.psycopg, {"message_keys": keys, "results": values, "ttls_ms": ttls})
            notify(conn, {f.job.queue_name for f in batch if f.status == "queued" and f.job.job_id in finished})
        lost = len(batch) - len(finished)
        if lost:
            logger.warning("%d jobs were not finished: their leases had expired and were rescued.", lost)
