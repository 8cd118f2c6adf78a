"""API fixtures: a Supabase-like issuer whose JWKS is served over real HTTP on 127.0.0.1, a
small shop in a fresh database, and the app in process (TestClient) verifying against it."""
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from api.app import create_app
from bayflow.config import Settings

HS256_SECRET = "test-legacy-jwt-secret-with-at-least-32-bytes"

ADMIN = uuid.UUID("00000000-0000-4000-b000-000000000001")
DISPATCHER = uuid.UUID("00000000-0000-4000-b000-000000000002")
TECH_A = uuid.UUID("00000000-0000-4000-b000-000000000011")
TECH_B = uuid.UUID("00000000-0000-4000-b000-000000000012")
NO_PROFILE = uuid.UUID("00000000-0000-4000-b000-000000000099")
TECHNICIAN_A = uuid.UUID("00000000-0000-4000-c000-000000000011")
TECHNICIAN_B = uuid.UUID("00000000-0000-4000-c000-000000000012")


class FakeSupabaseAuth:
    """Signing keys of a Supabase project; `published` is what its JWKS endpoint serves."""

    def __init__(self):
        self.keys = {"es-1": ("ES256", ec.generate_private_key(ec.SECP256R1())),
                     "rs-1": ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))}
        self.published = {"es-1", "rs-1"}
        self.fetches = 0
        self.url = ""  # set once the server listens

    @property
    def issuer(self) -> str:
        return f"{self.url}/auth/v1"

    def add_key(self, kid: str) -> None:
        self.keys[kid] = ("ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwks(self) -> dict:
        keys = []
        for kid in sorted(self.published):
            alg, key = self.keys[kid]
            to_jwk = ECAlgorithm.to_jwk if alg == "ES256" else RSAAlgorithm.to_jwk
            keys.append({**json.loads(to_jwk(key.public_key())), "kid": kid, "alg": alg, "use": "sig"})
        return {"keys": keys}

    def claims(self, user, **overrides) -> dict:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": str(user), "aud": "authenticated", "exp": now + 600, "iat": now,
                  "email": f"{user}@test", "role": "authenticated", "app_metadata": {}, "user_metadata": {},
                  "session_id": str(uuid.uuid4()), "is_anonymous": False}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, user, kid: str = "es-1", **overrides) -> str:
        alg, key = self.keys[kid]
        return jwt.encode(self.claims(user, **overrides), key, algorithm=alg, headers={"kid": kid})

    def hs256_token(self, user, secret: str = HS256_SECRET, **overrides) -> str:
        return jwt.encode(self.claims(user, **overrides), secret, algorithm="HS256")


@pytest.fixture(scope="session")
def supabase_auth():
    """A JWKS endpoint at `<url>/auth/v1/.well-known/jwks.json` on 127.0.0.1 (real HTTP)."""
    auth = FakeSupabaseAuth()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/auth/v1/.well-known/jwks.json":
                self.send_error(404)
                return
            auth.fetches += 1
            body = json.dumps(auth.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    auth.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield auth
    server.shutdown()
    server.server_close()


def seed_people(conn) -> None:
    """An admin, a dispatcher, two technicians and a user without a profile."""
    people = [(ADMIN, "admin"), (DISPATCHER, "dispatcher"), (TECH_A, "tech"), (TECH_B, "tech")]
    for user_id, role in people + [(NO_PROFILE, None)]:
        conn.execute("insert into auth.users (id, email) values (%s, %s)", (user_id, f"{user_id}@test"))
        if role:
            conn.execute("insert into public.profiles (id, role, display_name, email) values (%s, %s, %s, %s)",
                         (user_id, role, f"{role} {str(user_id)[-2:]}", f"{user_id}@test"))
    for technician_id, profile_id, name in [(TECHNICIAN_A, TECH_A, "Ana"), (TECHNICIAN_B, TECH_B, "Ben")]:
        conn.execute("insert into public.technicians (id, profile_id, name, skills) values (%s, %s, %s, %s)",
                     (technician_id, profile_id, name, ["brakes"]))


@pytest.fixture
def shop_db(db_url) -> str:
    with psycopg.connect(db_url) as conn:
        seed_people(conn)
    return db_url


@pytest.fixture
def api_settings(shop_db, supabase_auth, tmp_path) -> Settings:
    return Settings(database_url=shop_db, supabase_url=supabase_auth.url, supabase_jwt_secret=HS256_SECRET,
                    bayflow_jwks_cooldown_s=0, bayflow_home=tmp_path, bayflow_api_pool_size=2)


@pytest.fixture
def client(api_settings):
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def as_user(supabase_auth):
    """`as_user(profile_id)` -> headers with a valid ES256 bearer token for that user."""
    def headers(sub, **extra) -> dict:
        return {"Authorization": f"Bearer {supabase_auth.token(sub)}", **extra}
    return headers


def count(db_url: str, table: str) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute(f"select count(*) from public.{table}").fetchone()[0]
