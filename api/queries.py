"""The API's named queries: `api/sql/<topic>.sql`, loaded with `bayflow.queries` (one parameter
style, `:name`; run a query on the request's connection with `query.text`)."""
from pathlib import Path

from bayflow import queries

SQL_DIR = Path(__file__).with_name("sql")


def load(topic: str) -> queries.Queries:
    """The named queries of `api/sql/<topic>.sql`."""
    return queries.load(SQL_DIR / f"{topic}.sql")
