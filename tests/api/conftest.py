"""API fixtures: a small shop in a fresh database and the app in process (TestClient) verifying tokens
against the fake Supabase project's JWKS (`supabase_auth`, served over real HTTP on 127.0.0.1)."""
import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bayflow.config import Settings
from tests.support.people import seed_people


@pytest.fixture
def shop_db(db_url) -> str:
    with psycopg.connect(db_url) as conn:
        seed_people(conn)
    return db_url


@pytest.fixture
def api_settings(shop_db, supabase_auth, tmp_path) -> Settings:
    return supabase_auth.app_settings(shop_db, tmp_path)


@pytest.fixture
def client(api_settings):
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as test_client:
        yield test_client
