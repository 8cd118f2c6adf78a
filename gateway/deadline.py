"""An overall deadline per record that the SDKs' own retries cannot overrun.

The SDKs retry by themselves and sleep as long as a Retry-After header says (the
Anthropic SDK without a cap). `DeadlineTransport` sits under both SDKs' HTTP
clients and, for the deadline of the record being processed (a context variable):
- gives each attempt a timeout no longer than the time left;
- tells the SDK not to retry (`x-should-retry: false`, a header both SDKs obey)
  when the server asks for a wait longer than the time left;
- raises the provider's `DeadlineExceeded` when no time is left before an attempt
  or an attempt timed out at the deadline, an error type both SDKs pass through
  without retrying.
"""
import contextlib
import contextvars
import time
from collections.abc import Iterator

import anthropic
import httpx2
import openai

_current: contextvars.ContextVar["Deadline | None"] = contextvars.ContextVar("gateway_deadline", default=None)
_RETRYABLE = {408, 409, 429}


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


@contextlib.contextmanager
def active(deadline: Deadline) -> Iterator[Deadline]:
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


class DeadlineExceeded(Exception):
    """The record's overall deadline passed during a provider call."""


class AnthropicDeadlineExceeded(DeadlineExceeded, anthropic.AnthropicError):
    pass


class OpenAIDeadlineExceeded(DeadlineExceeded, openai.OpenAIError):
    pass


def _requested_wait(response: httpx2.Response) -> float | None:
    for header, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(response.headers[header]) * scale
        except (KeyError, ValueError):
            continue
    return None


class DeadlineTransport(httpx2.BaseTransport):
    def __init__(self, inner: httpx2.BaseTransport, error: type[DeadlineExceeded]) -> None:
        self.inner = inner
        self.error = error

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        deadline = _current.get()
        if deadline is None:
            return self.inner.handle_request(request)
        left = deadline.remaining()
        if left <= 0:
            raise self.error(f"deadline of {deadline.seconds:g} s passed before the request was sent")
        timeout = dict(request.extensions.get("timeout") or {})
        request.extensions["timeout"] = {k: min(v, left) if v is not None else left
                                         for k, v in {**dict.fromkeys(("connect", "read", "write", "pool")),
                                                      **timeout}.items()}
        try:
            response = self.inner.handle_request(request)
        except httpx2.TimeoutException as exc:
            if deadline.expired():
                raise self.error(f"deadline of {deadline.seconds:g} s passed while waiting for the provider") from exc
            raise
        if response.status_code in _RETRYABLE or response.status_code >= 500:
            wait = _requested_wait(response)
            if wait is not None and wait >= deadline.remaining():
                response.headers["x-should-retry"] = "false"
        return response

    def close(self) -> None:
        self.inner.close()
