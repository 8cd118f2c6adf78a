"""The API's database engine: SQLAlchemy async + asyncpg, safe behind a transaction pooler.

With BAYFLOW_API_DATABASE_URL the API logs in as its own role (a member of
`authenticated`, like Supabase's `authenticator`). Otherwise it uses DATABASE_URL and
every new connection runs `set role bayflow_api`, a role with no table rights: a query
outside a request transaction (which switches to `authenticated`) fails closed.
"""
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bayflow.config import Settings
from bayflow.database import asyncpg_url, database_url

API_ROLE = "bayflow_api"


def create_engine(s: Settings) -> AsyncEngine:
    own_login = s.bayflow_api_database_url
    url = own_login or s.database_url or database_url()
    engine = create_async_engine(
        asyncpg_url(url),
        pool_size=s.bayflow_api_pool_size,
        max_overflow=s.bayflow_api_pool_size,
        # Supavisor / pgbouncer in transaction mode cannot keep prepared statements.
        connect_args={"statement_cache_size": 0, "server_settings": {"application_name": "bayflow-api"}},
    )
    if not own_login:
        event.listen(engine.sync_engine, "connect", _set_api_role)
    return engine


def _set_api_role(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"set role {API_ROLE}")
    cursor.close()
