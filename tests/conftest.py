"""Shared fixtures: a real Postgres (TEST_DATABASE_URL, else the embedded one), migrated once;
a fake Supabase project serving its JWKS over HTTP; environment changes settings() sees; the shared
shop (tests/support/shop.py) in a fresh database and the app in process on it.

`new_database()` clones the migrated template in about a tenth of a second, so a test that needs a
clean shop gets its own database. Helpers (no fixtures) are in `tests/support/`.
"""
import functools
import os
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
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
# The longest files (a minute or more each) start first, so the two test processes end together.
LONG_FIRST = ("tests/api/test_openapi_conformance.py", "tests/tasks/conformance/", "tests/web/",
              "tests/api/test_demo.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))


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


class Databases:
    """A migrated template and the databases cloned from it (about a tenth of a second each).

    A drop waits for a checkpoint: seconds on a server that other suites keep busy. So a database a test
    is done with is dropped in the background while the next tests run, several at a time (drops waiting
    together share one checkpoint), and the session's end waits only for the last few."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.template = f"bayflow_tmpl_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(_create_database(admin_url, self.template)) as conn:
            migrate(conn)
        self.live: dict[str, str] = {}  # url -> database name
        self.drops = ThreadPoolExecutor(8, thread_name_prefix="drop-database")
        self.dropped: list[Future] = []

    def __call__(self, template: str | None = None) -> str:
        """A new database cloned from `template` (the migrated one unless named)."""
        name = f"bayflow_t_{uuid.uuid4().hex[:12]}"
        url = _create_database(self.admin_url, name, template=template or self.template)
        self.live[url] = name
        return url

    def release(self, url: str) -> None:
        """Drop `url`'s database soon, in the background."""
        self._drop(self.live.pop(url))

    def _drop(self, name: str) -> None:
        self.dropped.append(self.drops.submit(_drop_database, self.admin_url, name))

    def close(self) -> None:
        for name in [*self.live.values(), self.template]:
            self._drop(name)
        self.drops.shutdown(wait=True)
        for drop in self.dropped:
            drop.result()  # a drop that failed fails the session


@pytest.fixture(scope="session")
def new_database(pg_admin_url):
    """Factory: `new_database()` returns the URL of a new migrated database, dropped at session end
    (or sooner: `new_database.release(url)`)."""
    databases = Databases(pg_admin_url)
    yield databases
    databases.close()


@pytest.fixture
def db_url(new_database) -> str:
    """A clean migrated database for one test, dropped once the test is done."""
    url = new_database()
    yield url
    new_database.release(url)


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
