"""Short-lived signed download URLs of attachments: `GET /v1/attachments/{id}/content?variant=
&type=&expires=&signature=` where signature is HMAC-SHA256 over the id, variant, content type and
expiry. A URL works without a bearer token (an <img> cannot send one), for anyone holding it,
until it expires; the API hands it out only to whoever may read the attachment.

The key is BAYFLOW_URL_SIGNING_SECRET, else a random one kept at BAYFLOW_HOME/url-signing.key
(0600, made on first use; every API process on the host shares it).
"""
import hashlib
import hmac
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode
from uuid import UUID

from bayflow.config import Settings
from bayflow.key_files import load_or_create

KEY_FILE = "url-signing.key"
VARIANTS = ("content", "thumbnail")


class LinkSigner:
    def __init__(self, key: bytes, ttl_s: int):
        self._key, self.ttl_s = key, ttl_s

    def _mac(self, attachment_id: UUID, variant: str, content_type: str, expires: int) -> str:
        message = f"{attachment_id}\n{variant}\n{content_type}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def query(self, attachment_id: UUID, variant: str, content_type: str, now: float | None = None) -> tuple[str, int]:
        """The signed query string for one download, and its expiry (unix seconds)."""
        expires = int(now if now is not None else time.time()) + self.ttl_s
        params = {"variant": variant, "type": content_type, "expires": expires,
                  "signature": self._mac(attachment_id, variant, content_type, expires)}
        return urlencode(params), expires

    def valid(self, attachment_id: UUID, variant: str, content_type: str, expires: int, signature: str) -> bool:
        """Whether the signature is ours and not expired (compared in constant time)."""
        if expires < time.time():
            return False
        expected = self._mac(attachment_id, variant, content_type, expires)
        return hmac.compare_digest(expected.encode(), signature.encode("ascii", "replace"))


def signing_key(s: Settings) -> bytes:
    if s.bayflow_url_signing_secret is not None:
        return s.bayflow_url_signing_secret.get_secret_value().encode()
    return load_or_create(Path(s.bayflow_home) / KEY_FILE, lambda: secrets.token_hex(32).encode()).strip()
