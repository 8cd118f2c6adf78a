"""Shared fixtures: a real Postgres (TEST_DATABASE_URL, else the embedded one), migrated once;
a fake Supabase project serving its JWKS over HTTP; environment changes settings() sees.

`migrated_template` holds the migrated schema; `new_database()` clones it in about a
tenth of a second, so a test that needs a clean shop gets its own database.
Helpers (no fixtures) are in `tests/support/`.
"""
import functools
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bayflow import embedded
from bayflow.database import plain_url, with_database
from bayflow.migrate import migrate
from tests.support.environment import forget_settings, set_environment
from tests.support.shop import seed_people
from tests.support.supabase import serve_supabase_auth

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory) -> str:
    """URL of a database on the test server with rights to create databases."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return plain_url(url)
    return embedded.start(ROOT / ".bayflow" / "test-pg")


def _create_database(admin_url: str, name: str, template: str | None = None) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        clause = f' template "{template}"' if template else ""
        conn.execute(f'create database "{name}"{clause}')
    return with_database(admin_url, name)


def _drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def migrated_template(pg_admin_url):
    """Name of a freshly migrated database used as a template (never connected to by tests)."""
    name = f"bayflow_tmpl_{uuid.uuid4().hex[:10]}"
    url = _create_database(pg_admin_url, name)
    with psycopg.connect(url) as conn:
        migrate(conn)
    yield name
    _drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def new_database(pg_admin_url, migrated_template):
    """Factory: `new_database()` returns the URL of a new migrated database, dropped at session end."""
    created = []

    def make() -> str:
        name = f"bayflow_t_{uuid.uuid4().hex[:12]}"
        url = _create_database(pg_admin_url, name, template=migrated_template)
        created.append(name)
        return url

    yield make
    # Each drop waits for a checkpoint; dropped side by side they share them (20 drops: ~12 s one
    # by one, ~2 s eight at a time).
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(functools.partial(_drop_database, pg_admin_url), created))


@pytest.fixture
def db_url(new_database) -> str:
    """A clean migrated database for one test."""
    return new_database()


@pytest.fixture
def env(monkeypatch):
    """`env(unset=(), **values)` sets environment variables (names upper-cased) for this test; settings() reads them."""
    yield functools.partial(set_environment, monkeypatch)
    forget_settings()


@pytest.fixture(scope="session")
def supabase_auth():
    """A FakeSupabaseAuth with its JWKS at `<url>/auth/v1/.well-known/jwks.json` on 127.0.0.1 (real HTTP)."""
    with serve_supabase_auth() as auth:
        yield auth


@pytest.fixture
def as_user(supabase_auth):
    """`as_user(profile_id, **headers)` -> headers with a valid ES256 bearer token for that user."""
    return supabase_auth.headers


@pytest.fixture
def shop_db(db_url, env) -> str:
    """A fresh database with the shared shop's people (tests/support/shop.py); DATABASE_URL for the test."""
    with psycopg.connect(db_url) as conn:
        seed_people(conn)
    env(database_url=db_url)
    return db_url


@pytest.fixture
def make_client(supabase_auth, tmp_path):
    """`make_client(db_url, **settings)` -> a TestClient of the app on that database."""
    clients = []

    def make(db_url: str, **overrides) -> TestClient:
        client = TestClient(create_app(supabase_auth.app_settings(db_url, tmp_path, **overrides)),
                            raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
