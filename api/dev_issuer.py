"""bayflow's own token issuer for running without Supabase (SUPABASE_URL unset).

One ES256 key kept at `BAYFLOW_HOME/dev-jwt-key.pem` (mode 0600, made on first use);
its public half is served as a JWKS at `/auth/v1/.well-known/jwks.json` on the API, and
tokens are verified through that HTTP endpoint exactly like Supabase's.
"""
import base64
import hashlib
import json
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from api.auth import AUDIENCE, issuer_url
from bayflow.config import Settings
from bayflow.key_files import load_or_create

KEY_FILE = "dev-jwt-key.pem"
JWKS_PATH = "/auth/v1/.well-known/jwks.json"


class DevIssuerDisabled(Exception):
    """SUPABASE_URL is set: tokens come from Supabase, not from bayflow."""


def key_path(s: Settings) -> Path:
    return Path(s.bayflow_home) / KEY_FILE


def load_or_create_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The P-256 private key at `path`, created (0600) if missing; concurrent first uses agree."""
    pem = load_or_create(path, lambda: ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return serialization.load_pem_private_key(pem, password=None)


def public_jwk(key: ec.EllipticCurvePrivateKey) -> dict:
    jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    thumbprint = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    jwk.update(kid=_thumbprint(thumbprint), alg="ES256", use="sig")
    return jwk


def _thumbprint(members: dict) -> str:
    """RFC 7638 JWK thumbprint: a stable kid derived from the public key."""
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class DevIssuer:
    def __init__(self, s: Settings):
        if s.supabase_url:
            raise DevIssuerDisabled("SUPABASE_URL is set: get tokens from Supabase Auth")
        self.issuer = issuer_url(s)
        self._key = load_or_create_key(key_path(s))
        self.jwk = public_jwk(self._key)

    def jwks(self) -> dict:
        return {"keys": [self.jwk]}

    def mint(self, user_id: str, email: str | None, ttl_s: int = 3600) -> str:
        """An access token shaped like Supabase Auth's."""
        now = int(time.time())
        claims = {
            "iss": self.issuer, "sub": str(user_id), "aud": AUDIENCE, "exp": now + ttl_s, "iat": now,
            "email": email or "", "phone": "", "role": "authenticated", "aal": "aal1",
            "amr": [{"method": "password", "timestamp": now}],
            "app_metadata": {"provider": "email", "providers": ["email"]}, "user_metadata": {},
            "session_id": str(uuid.uuid4()), "is_anonymous": False,
        }
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.jwk["kid"]})
