"""A thread's own psycopg connection to the queue's database, reopened after it breaks."""
from contextlib import contextmanager

import psycopg
from dramatiq.errors import ConnectionClosed

from bayflow.database import plain_url


class Link:
    """Each broker thread (consumer, acker, lease keeper) owns one; they are not thread-safe.

    A broken connection (server restart, `pg_terminate_backend`) raises dramatiq's
    ConnectionClosed once and is replaced on next use, so dramatiq's consumer restart
    logic and our own retry loops both recover.
    """

    def __init__(self, url: str, *, autocommit: bool = False, bookkeeping: bool = False) -> None:
        self.url = plain_url(url)
        self.autocommit = autocommit
        # Claims, acks and leases commit without waiting for the WAL flush: if Postgres
        # itself crashes, a lost claim or ack only makes the job run again (at least once,
        # as after any crash); a lost ack loses the messages it sent with it, and the rerun
        # sends them again. Enqueues (a job's existence) always wait for the flush.
        self.options = "-c synchronous_commit=off" if bookkeeping else ""
        self._conn: psycopg.Connection | None = None

    def connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self.close()
            self._conn = psycopg.connect(self.url, autocommit=self.autocommit, connect_timeout=5,
                                         options=self.options)
        return self._conn

    @contextmanager
    def transaction(self):
        """Yield the connection inside a transaction; connection loss becomes ConnectionClosed."""
        try:
            conn = self.connection()
            with conn.transaction():
                yield conn
        except psycopg.OperationalError as exc:
            self.close()
            raise ConnectionClosed(exc) from exc

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None
