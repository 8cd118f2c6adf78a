"""Verification of Supabase access tokens.

Asymmetric tokens (ES256, RS256) are checked against the project's JWKS, fetched over
HTTP and cached; an unknown `kid` forces one refresh (after a short cooldown), so a
rotated key is accepted at once. HS256 is accepted only when the legacy JWT secret is
configured. The algorithm list, `aud`, `iss`, `exp` and `sub` are always checked; the
token header never chooses the algorithm family on its own.

A client sends the same token with every request until it expires, so verified tokens are
remembered (exact token string -> claims, bounded LRU): a repeat skips the signature check
and parsing, but only while the key that verified it is still the one in the fresh cached
JWKS, and never past its `exp`. Everything else a verification checks cannot change for the
same bytes.
"""
import time
from collections import OrderedDict
from uuid import UUID

import anyio
import jwt
from jwt import PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKError

from api.problems import ProblemError
from bayflow.config import Settings

AUDIENCE = "authenticated"
ASYMMETRIC = ("ES256", "RS256")
REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss"]
LEEWAY_S = 5
VERIFIED_CACHE_SIZE = 4096


def public_url(s: Settings) -> str:
    return (s.bayflow_public_url or f"http://{s.bayflow_api_host}:{s.bayflow_api_port}").rstrip("/")


def issuer_url(s: Settings) -> str:
    """Supabase's issuer when SUPABASE_URL is set, else bayflow's dev issuer on its own API."""
    base = s.supabase_url.rstrip("/") if s.supabase_url else public_url(s)
    return f"{base}/auth/v1"


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "Unauthorized", detail,
                        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class TokenVerifier:
    def __init__(self, s: Settings):
        self.issuer = issuer_url(s)
        self.jwks_url = f"{self.issuer}/.well-known/jwks.json"
        self._secret = s.supabase_jwt_secret.get_secret_value() if s.supabase_jwt_secret else None
        self._jwks = PyJWKClient(self.jwks_url, lifespan=s.bayflow_jwks_lifespan_s,
                                 cooldown_duration=s.bayflow_jwks_cooldown_s, timeout=10)
        self._verified: OrderedDict[str, tuple[dict, str | None, object]] = OrderedDict()

    async def verify(self, token: str) -> dict:
        """The verified claims of `token`; raises ProblemError 401 (503 when the JWKS is unreachable)."""
        claims = self._recall(token)
        if claims is None:
            claims = await self._verify(token)
        return claims

    def _recall(self, token: str) -> dict | None:
        entry = self._verified.get(token)
        if entry is None:
            return None
        claims, kid, key = entry
        current = self._secret if kid is None else getattr(self._cached_key(kid), "key", None)
        if current is not key or claims["exp"] <= time.time() - LEEWAY_S:
            del self._verified[token]  # verify again: it answers why not (expired, unknown key)
            return None
        self._verified.move_to_end(token)
        return claims

    def _remember(self, token: str, claims: dict, kid: str | None, key) -> None:
        self._verified[token] = (claims, kid, key)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)

    async def _verify(self, token: str) -> dict:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise unauthorized(f"malformed token: {exc}") from None
        alg, kid = header.get("alg"), None
        if alg == "HS256" and self._secret:
            key = self._secret
        elif alg in ASYMMETRIC:
            kid = header.get("kid")
            key = (await self._signing_key(kid, alg)).key
        else:
            raise unauthorized(f"token algorithm {alg!r} is not accepted")
        try:
            claims = jwt.decode(token, key, algorithms=[alg], audience=AUDIENCE, issuer=self.issuer,
                                leeway=LEEWAY_S, options={"require": REQUIRED_CLAIMS})
        except jwt.InvalidTokenError as exc:
            raise unauthorized(str(exc)) from None
        try:
            UUID(str(claims["sub"]))
        except ValueError:
            raise unauthorized("sub is not a user id") from None
        self._remember(token, claims, kid, key)
        return claims

    async def _signing_key(self, kid: str | None, alg: str):
        if not kid:
            raise unauthorized("token header has no kid")
        jwk = self._cached_key(kid)
        if jwk is None:
            # PyJWKClient fetches with blocking urllib: keep it off the event loop.
            try:
                jwk = await anyio.to_thread.run_sync(self._jwks.get_signing_key, kid)
            except PyJWKClientConnectionError:
                raise ProblemError(503, "Signing keys unavailable",
                                   f"could not fetch {self.jwks_url}") from None
            except (PyJWKClientError, PyJWKError) as exc:
                raise unauthorized(str(exc)) from None
        if jwk.algorithm_name != alg:
            raise unauthorized(f"key {kid!r} is not a {alg} key")
        return jwk

    def _cached_key(self, kid: str):
        """The key from the still-fresh cached JWKS, without I/O; None to go through the client."""
        cache = self._jwks.jwk_set_cache
        cached = cache.get() if cache is not None else None
        if cached is None:
            return None
        return next((k for k in cached.keys if k.key_id == kid and k.public_key_use in ("sig", None)), None)
