"""A fake Supabase project: its signing keys, the JWKS it publishes over real HTTP, the tokens it issues,
and the settings of an app verifying them."""
import json
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from bayflow.config import Settings
from tests.support.servers import LocalServer, QuietHandler

HS256_SECRET = "test-legacy-jwt-secret-with-at-least-32-bytes"
JWKS_PATH = "/auth/v1/.well-known/jwks.json"


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

    def headers(self, user, **extra) -> dict:
        """Request headers with a valid ES256 bearer token for `user`."""
        return {"Authorization": f"Bearer {self.token(user)}", **extra}

    def app_settings(self, database_url: str, home: Path, **overrides) -> Settings:
        """Settings of an in-process app on `database_url` verifying this project's tokens."""
        return Settings(database_url=database_url, supabase_url=self.url, supabase_jwt_secret=HS256_SECRET,
                        bayflow_jwks_cooldown_s=0, bayflow_home=home, bayflow_api_pool_size=2, **overrides)


@contextmanager
def serve_supabase_auth():
    """A FakeSupabaseAuth whose JWKS is served at `<url>/auth/v1/.well-known/jwks.json` on 127.0.0.1."""
    auth = FakeSupabaseAuth()

    class Handler(QuietHandler):
        def do_GET(self):
            if self.path != JWKS_PATH:
                self.send_error(404)
                return
            auth.fetches += 1
            body = json.dumps(auth.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with LocalServer(Handler) as server:
        auth.url = server.url
        yield auth
