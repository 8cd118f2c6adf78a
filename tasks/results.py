"""A dramatiq result backend in Postgres (`job_results`): pipelines' and actors' results without Redis.

A result stored while its job is processed (the Results middleware does so after the
actor returns) is written in the transaction that acks the job.
"""
import threading

from dramatiq.results import ResultBackend
from dramatiq.results.backend import Missing

from tasks.consumer import current_job
from tasks.db import Link

GET = "select result::text from public.job_results where message_key = %s and expires_at > now()"
STORE = """
insert into public.job_results (message_key, result, expires_at)
values (%s, %s::jsonb, now() + %s * interval '1 millisecond')
on conflict (message_key) do update set result = excluded.result, expires_at = excluded.expires_at
"""


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
            row = conn.execute(GET, (message_key,)).fetchone()
        return Missing if row is None else self.encoder.decode(row[0].encode())

    def _store(self, message_key: str, result, ttl: int) -> None:
        data = self.encoder.encode(result).decode()
        job = current_job()
        if job is not None:
            job.results.append((message_key, data, ttl))
            return
        with self._link().transaction() as conn:
            conn.execute(STORE, (message_key, data, ttl))
