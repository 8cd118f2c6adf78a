"""The API's database engine: SQLAlchemy async + asyncpg.

Statements are prepared once per connection and reused (BAYFLOW_API_STATEMENT_CACHE). Behind
a transaction-mode pooler (Supavisor port 6543, pgbouncer) a prepared statement may not be on
the server connection the next transaction gets: turn the cache off there, and every
statement is sent as an unnamed one (parsed each time, valid on any server connection).

With BAYFLOW_API_DATABASE_URL the API logs in as its own role (a member of
`authenticated`, like Supabase's `authenticator`). Otherwise it uses DATABASE_URL and
every new connection runs `set role bayflow_api`, a role with no table rights: a query
outside a request transaction (which switches to `authenticated`) fails closed.

`GET /v1/events` listens on its own connection (`create_listener_engine`): a LISTEN lasts as
long as the process, so it is not drawn from the request pool (where it would take a
connection from the requests for good). It is opened by the same driver, login and role.
"""
import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from api.queries import load
from bayflow.config import Settings
from bayflow.database import asyncpg_url, database_url

SQL = load("connections")


def create_engine(s: Settings) -> AsyncEngine:
    """The engine of the requests' connections."""
    return _engine(
        s,
        # Opened as needed and kept: an overflow connection closed after each burst costs a new
        # server process, login, `set role` and statement preparation when the next burst comes.
        pool_size=s.bayflow_api_pool_size,
        max_overflow=0,
        # A pooled connection the server ended (a restart, a terminated backend) is found dead by
        # a ping at checkout and replaced, instead of failing the request that drew it.
        pool_pre_ping=True,
        connect_args={"server_settings": {"application_name": "bayflow-api"},
                      **({} if s.bayflow_api_statement_cache else {"statement_cache_size": 0})},
    )


def create_listener_engine(s: Settings) -> AsyncEngine:
    """An engine whose every connection is opened for its holder alone and closed with it (no pool):
    for the LISTEN connection that lives as long as the process. Autocommit: a LISTEN inside a
    transaction would start only at its commit."""
    return _engine(s, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                   connect_args={"server_settings": {"application_name": "bayflow-events"},
                                 "statement_cache_size": 0})


def _engine(s: Settings, **options) -> AsyncEngine:
    own_login = s.bayflow_api_database_url
    engine = create_async_engine(asyncpg_url(own_login or s.database_url or database_url()), **options)
    if not own_login:
        event.listen(engine.sync_engine, "connect", _set_api_role)
    return engine


class FairConnections:
    """The engine's connections, handed out in the order requests asked for them.

    The pool alone lets a newcomer take a just-returned connection ahead of the requests
    already waiting (which then queue again at the back): under load some requests starve
    for seconds. A FIFO semaphore with one permit per connection the pool may open admits
    waiters in arrival order, and the pool then never makes anyone wait.
    """

    def __init__(self, engine: AsyncEngine, limit: int):
        self.engine = engine
        self._gate = asyncio.Semaphore(limit)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self._gate, self.engine.connect() as conn:
            yield conn


def _set_api_role(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(SQL.set_api_role.sql)
    cursor.close()
