"""LISTEN bayflow_jobs: wake the consumer of a queue as soon as a job for it is committed."""
import logging
import threading
from collections import defaultdict

import psycopg

logger = logging.getLogger(__name__)

CHANNEL = "bayflow_jobs"


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
                    conn.execute(f"listen {CHANNEL}")
                    self.wake_all()  # notifications may have been missed while disconnected
                    while not self.stopping.is_set():
                        for notify in conn.notifies(timeout=0.2):  # the timeout bounds how long stop() waits
                            self.event(notify.payload).set()
            except psycopg.OperationalError as exc:
                logger.warning("Listener lost the database (%s); reconnecting.", exc)
                self.stopping.wait(1.0)

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)
