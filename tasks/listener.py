"""The bayflow_jobs channel: wake the consumer of a queue as soon as a job for it is committed.

A notification's payload is a queue name (tasks/sql/wakeups.sql).
"""
import logging
import threading
from collections import defaultdict
from pathlib import Path

import psycopg

from bayflow.queries import load

logger = logging.getLogger(__name__)

queries = load(Path(__file__).with_name("sql") / "wakeups.sql")


def notify(conn, queue_names) -> None:
    """Wake the consumers of `queue_names` when `conn`'s transaction commits (psycopg)."""
    if queue_names:
        conn.execute(queries.notify_queues.psycopg, {"queues": sorted(queue_names)})


class Wakeups(threading.Thread):
    """One listening connection per process; consumers also poll, so a lost notification only delays."""

    def __init__(self, url_of) -> None:
        super().__init__(name="bayflow-listener", daemon=True)
        self.url_of = url_of
        self.events: defaultdict[str, threading.Event] = defaultdict(threading.Event)
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def event(self, queue_name: str) -> threading.Event:
        with self.lock:
            return self.events[queue_name]

    def wake_all(self) -> None:
        with self.lock:
            for event in self.events.values():
                event.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.url_of(), autocommit=True, connect_timeout=5) as conn:
                    conn.execute(queries.listen_for_jobs.psycopg)
                    self.wake_all()  # notifications may have been missed while disconnected
                    while not self.stopping.is_set():
                        for notification in conn.notifies(timeout=0.2):  # the timeout bounds how long stop() waits
                            self.event(notification.payload).set()
            except psycopg.OperationalError as exc:
                logger.warning("Listener lost the database (%s); reconnecting.", exc)
                self.stopping.wait(1.0)

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)
