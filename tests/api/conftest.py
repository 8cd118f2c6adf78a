"""API fixtures: the app in process (TestClient) on the shared shop (`shop_db`, tests/conftest.py), verifying
tokens against the fake Supabase project's JWKS (`supabase_auth`, served over real HTTP on 127.0.0.1)."""
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bayflow.config import Settings


@pytest.fixture
def api_settings(shop_db, supabase_auth, tmp_path) -> Settings:
    return supabase_auth.app_settings(shop_db, tmp_path)


@pytest.fixture
def client(api_settings):
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as test_client:
        yield test_client
