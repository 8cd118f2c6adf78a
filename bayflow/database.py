"""Connection URLs and engines: SQLAlchemy + asyncpg for the API, psycopg for workers and the CLI."""
import os
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from bayflow import embedded
from bayflow.config import settings


@lru_cache
def database_url() -> str:
    """The plain `postgresql://` URL of bayflow's database, starting the embedded one if needed.

    The embedded URL is exported as DATABASE_URL so that child processes (workers
    started by `bayflow demo`) use the same server.
    """
    url = settings().database_url
    if not url:
        url = embedded.start(settings().bayflow_home / "pg")
        os.environ["DATABASE_URL"] = url
    return plain_url(url)


def plain_url(url: str) -> str:
    """`postgresql://...` whatever driver suffix the URL was given with."""
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme.startswith("postgres") else parts.scheme
    return urlunsplit((scheme, *parts[1:]))


def asyncpg_url(url: str) -> str:
    """The SQLAlchemy URL for the asyncpg driver."""
    return "postgresql+asyncpg" + plain_url(url)[len("postgresql"):]


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(plain_url(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def connect(url: str | None = None, **kwargs):
    """A psycopg connection (sync): for the CLI, migrations and workers."""
    import psycopg

    return psycopg.connect(plain_url(url or database_url()), **kwargs)
