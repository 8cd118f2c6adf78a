"""Remembered tokens (api/auth.py): a repeat of a verified token skips the signature check, yet is
refused exactly when a fresh verification would refuse it: once expired, once its key is withdrawn."""
import time

from fastapi.testclient import TestClient

from api.app import create_app
from tests.support.shop import DISPATCHER

ME = "/v1/me"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_remembered_token_is_refused_once_it_expires(client, supabase_auth, monkeypatch):
    monkeypatch.setattr("api.auth.LEEWAY_S", 0)
    exp = int(time.time()) + 2
    token = supabase_auth.token(DISPATCHER, exp=exp)
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert client.get(ME, headers=bearer(token)).status_code == 200  # remembered
    time.sleep(max(0.0, exp - time.time()) + 0.2)
    refused = client.get(ME, headers=bearer(token))
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


def test_a_remembered_token_is_refused_once_its_key_is_withdrawn(api_settings, supabase_auth):
    supabase_auth.add_key("es-2")
    supabase_auth.published.add("es-2")
    token = supabase_auth.token(DISPATCHER, kid="es-2")
    settings = api_settings.model_copy(update={"bayflow_jwks_lifespan_s": 1})
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            assert client.get(ME, headers=bearer(token)).status_code == 200
            assert client.get(ME, headers=bearer(token)).status_code == 200  # remembered
            supabase_auth.published.discard("es-2")
            time.sleep(1.2)  # the cached JWKS is stale: the next request fetches it again
            assert client.get(ME, headers=bearer(token)).status_code == 401
    finally:
        supabase_auth.published.discard("es-2")


def test_a_token_with_another_signature_is_not_taken_for_a_remembered_one(client, supabase_auth):
    token = supabase_auth.token(DISPATCHER)
    assert client.get(ME, headers=bearer(token)).status_code == 200
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    assert client.get(ME, headers=bearer(forged)).status_code == 401
