"""HMAC-SHA256 webhook signatures, the same scheme for inbound and outbound webhooks.

A request carries `X-Bayflow-Timestamp: <unix seconds>` and
`X-Bayflow-Signature: v1=<hex>`, where hex is HMAC-SHA256(secret, "<timestamp>." + body).
Signing the timestamp with the body lets a receiver refuse stale requests (replays)
without trusting an unsigned header. Several `v1=` values separated by commas are
accepted so that a secret can be rotated while old and new are both live.
"""
import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Bayflow-Timestamp"
SIGNATURE_HEADER = "X-Bayflow-Signature"
SCHEME = "v1"


class SignatureError(Exception):
    """The request's signature headers do not prove it came from the secret's holder, now."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>." + body` under `secret`."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers that sign `body` now (or at `timestamp`)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: f"{SCHEME}={signature(secret, ts, body)}"}


def verify(secret: str, body: bytes, timestamp_header: str | None, signature_header: str | None,
           *, tolerance_s: int, now: float | None = None) -> int:
    """Check the headers of a signed request; return its timestamp or raise SignatureError.

    The timestamp must lie within `tolerance_s` of now (either way, for clock skew);
    the signatures are compared in constant time.
    """
    if not timestamp_header:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} header")
    if not signature_header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    try:
        ts = int(timestamp_header.strip())
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be an integer of unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        raise SignatureError(f"{TIMESTAMP_HEADER} is outside the {tolerance_s} s replay window")
    candidates = []
    for part in signature_header.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SCHEME and value:
            candidates.append(value.strip().lower())
    if not candidates:
        raise SignatureError(f"{SIGNATURE_HEADER} has no {SCHEME}= signature")
    expected = signature(secret, ts, body)
    matched = False
    for candidate in candidates:  # no early exit: time does not depend on which one matched
        matched |= hmac.compare_digest(candidate.encode("ascii", "replace"), expected.encode("ascii"))
    if not matched:
        raise SignatureError("signature does not match")
    return ts
