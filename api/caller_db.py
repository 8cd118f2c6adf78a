"""A psycopg connection acting as the request's caller, for code written against psycopg (the
shop loader of the scheduling pipeline, `pipelines.schedule_run.load_problem`) called from
the API, whose own engine is SQLAlchemy + asyncpg.

It logs in as the API's engine does (BAYFLOW_API_DATABASE_URL, else DATABASE_URL with `set role
bayflow_api`) and runs one read-only transaction that starts with `bayflow.begin_request`, so
row-level security sees exactly what the caller sees. Blocking: use it from a worker thread.
"""
import json
from contextlib import contextmanager
from typing import Iterator

import psycopg

from api.db import API_ROLE
from bayflow.config import Settings
from bayflow.database import database_url, plain_url


@contextmanager
def caller_transaction(s: Settings, claims: dict, request_id: str) -> Iterator[psycopg.Connection]:
    """A connection inside a read-only transaction acting as the caller (role `authenticated`, their claims)."""
    own_login = s.bayflow_api_database_url
    url = plain_url(own_login or s.database_url or database_url())
    # Behind a transaction-mode pooler a prepared statement may be gone by the next transaction.
    prepare = {} if s.bayflow_api_statement_cache else {"prepare_threshold": None}
    with psycopg.connect(url, application_name="bayflow-api-caller", **prepare) as conn:
        if not own_login:
            conn.execute(f"set role {API_ROLE}")
            conn.commit()
        with conn.transaction():
            conn.execute("set transaction read only")
            conn.execute("select bayflow.begin_request(%s, %s)", (json.dumps(claims), request_id))
            yield conn

