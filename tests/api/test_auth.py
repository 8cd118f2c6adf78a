"""Token verification against a JWKS served over HTTP on 127.0.0.1 (and the HS256 secret path)."""
import base64
import hashlib
import hmac
import json
import subprocess
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from bayflow.paths import ROOT
from tests.support.environment import child_environment
from tests.support.processes import BAYFLOW
from tests.support.shop import DISPATCHER, NO_PROFILE

ME = "/v1/me"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize("kid", ["es-1", "rs-1"])
def test_asymmetric_tokens_from_the_jwks_are_accepted(client, supabase_auth, kid):
    response = client.get(ME, headers=bearer(supabase_auth.token(DISPATCHER, kid=kid)))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(DISPATCHER) and response.json()["role"] == "dispatcher"


def test_hs256_token_is_accepted_when_the_secret_is_configured(client, supabase_auth):
    response = client.get(ME, headers=bearer(supabase_auth.hs256_token(DISPATCHER)))
    assert response.status_code == 200, response.text


def _alg_none(auth):
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(auth.claims(DISPATCHER))}."


def _hs256_with_public_key(auth):
    public_pem = auth.keys["rs-1"][1].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header, payload = b64({"alg": "HS256", "typ": "JWT", "kid": "rs-1"}), b64(auth.claims(DISPATCHER))
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def _tampered(auth):
    header, _, signature = auth.token(DISPATCHER).split(".")
    return f"{header}.{b64(auth.claims(DISPATCHER, email='someone-else@test', sub=str(NO_PROFILE)))}.{signature}"


def _unknown_kid(auth):
    auth.add_key("never-published")
    return auth.token(DISPATCHER, kid="never-published")


BAD_TOKENS = {
    "alg none": _alg_none,
    "HS256 signed with the public key": _hs256_with_public_key,
    "expired": lambda a: a.token(DISPATCHER, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
    "wrong aud": lambda a: a.token(DISPATCHER, aud="anon"),
    "wrong iss": lambda a: a.token(DISPATCHER, iss="https://evil.example/auth/v1"),
    "unknown kid": _unknown_kid,
    "tampered payload": _tampered,
    "missing sub": lambda a: a.token(DISPATCHER, sub=None),
    "HS256 with another secret": lambda a: a.hs256_token(DISPATCHER, secret="not-the-project-secret-but-long-enough"),
    "not a jwt": lambda a: "hello",
}


@pytest.mark.parametrize("name", BAD_TOKENS)
def test_bad_tokens_get_401(client, supabase_auth, name):
    response = client.get(ME, headers=bearer(BAD_TOKENS[name](supabase_auth)))
    assert response.status_code == 401, (name, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_token_gets_401(client):
    response = client.get("/v1/tasks")
    assert response.status_code == 401 and response.json()["title"] == "Unauthorized"


def test_valid_token_without_profile_gets_403(client, supabase_auth):
    response = client.get("/v1/tasks", headers=bearer(supabase_auth.token(NO_PROFILE)))
    assert response.status_code == 403
    assert "no bayflow profile" in response.json()["detail"]


def test_rotated_key_is_accepted_once_published(client, supabase_auth):
    assert client.get(ME, headers=bearer(supabase_auth.token(DISPATCHER))).status_code == 200  # JWKS cached
    supabase_auth.add_key("es-2")
    token = supabase_auth.token(DISPATCHER, kid="es-2")
    assert client.get(ME, headers=bearer(token)).status_code == 401  # not published yet
    supabase_auth.published.add("es-2")
    fetches = supabase_auth.fetches
    assert client.get(ME, headers=bearer(token)).status_code == 200  # unknown kid -> one refresh
    assert supabase_auth.fetches == fetches + 1
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert supabase_auth.fetches == fetches + 1  # served from the cache afterwards
    supabase_auth.published.discard("es-2")


def test_hs256_is_refused_without_a_configured_secret(api_settings, supabase_auth):
    from fastapi.testclient import TestClient

    from api.app import create_app

    s = api_settings.model_copy(update={"supabase_jwt_secret": None})
    with TestClient(create_app(s)) as client:
        assert client.get(ME, headers=bearer(supabase_auth.hs256_token(DISPATCHER))).status_code == 401
        assert client.get(ME, headers=bearer(supabase_auth.token(DISPATCHER))).status_code == 200


def test_jwt_library_rejects_what_we_forge(supabase_auth):
    """Guard for the test itself: the tampered token really carries a different payload."""
    claims = jwt.decode(_tampered(supabase_auth), options={"verify_signature": False})
    assert claims["sub"] == str(NO_PROFILE)


def test_dev_issuer_is_off_when_supabase_url_is_set(client, tmp_path):
    assert client.get("/auth/v1/.well-known/jwks.json").status_code == 404
    assert not (tmp_path / "dev-jwt-key.pem").exists()


def test_token_command_refuses_when_supabase_url_is_set(tmp_path):
    env = child_environment(supabase_url="https://project.supabase.co", bayflow_home=tmp_path)
    done = subprocess.run([BAYFLOW, "token", "--email", "a@b.c"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "SUPABASE_URL is set" in done.stderr
    assert not (tmp_path / "dev-jwt-key.pem").exists()
