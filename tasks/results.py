"""A dramatiq result backend in Postgres (`job_results`): pipelines' and actors' results without Redis.

A result stored while its job is processed (the Results middleware does so after the
actor returns) is written in the transaction that acks the job.
"""
import threading
from pathlib import Path

from dramatiq.results import ResultBackend
from dramatiq.results.backend import Missing

from bayflow.queries import load
from tasks.consumer import current_job
from tasks.db import Link

queries = load(Path(__file__).with_name("sql") / "results.sql")


class PostgresBackend(ResultBackend):
    def __init__(self, url_of, *, namespace: str = "bayflow-results", encoder=None) -> None:
        super().__init__(namespace=namespace, encoder=encoder)
        self.url_of = url_of
        self.local = threading.local()

    def _link(self) -> Link:
        if getattr(self.local, "link", None) is None:
            self.local.link = Link(self.url_of())
        return self.local.link

    def _get(self, message_key: str):
        with self._link().transaction() as conn:
            row = conn.execute(queries.get_result.psycopg, {"message_key": message_key}).fetchone()
        return Missing if row is None else self.encoder.decode(row[0].encode())

    def _store(self, message_key: str, result, ttl: int) -> None:
        data = self.encoder.encode(result).decode()
        job = current_job()
        if job is not None:
            job.results.append((message_key, data, ttl))
            return
        with self._link().transaction() as conn:
            conn.execute(queries.store_result.psycopg, {"message_key": message_key, "result": data, "ttl_ms": ttl})
