"""The API's database engine: SQLAlchemy async + asyncpg.

Statements are prepared once per connection and reused (BAYFLOW_API_STATEMENT_CACHE). Behind
a transaction-mode pooler (Supavisor port 6543, pgbouncer) a prepared statement may not be on
the server connection the next transaction gets: turn the cache off there, and every
statement is sent as an unnamed one (parsed each time, valid on any server connection).

With BAYFLOW_API_DATABASE_URL the API logs in as its own role (a member of
`authenticated`, like Supabase's `authenticator`). Otherwise it uses DATABASE_URL and
every new connection runs `set role bayflow_api`, a role with no table rights: a query
outside a request transaction (which switches to `authenticated`) fails closed.
"""
import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bayflow.config import Settings
from bayflow.database import asyncpg_url, database_url

API_ROLE = "bayflow_api"


def create_engine(s: Settings) -> AsyncEngine:
    own_login = s.bayflow_api_database_url
    url = own_login or s.database_url or database_url()
    engine = create_async_engine(
        asyncpg_url(url),
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
    cursor.execute(f"set role {API_ROLE}")
    cursor.close()
