"""Waiting for what another process or thread does: poll a condition until it holds or a deadline passes."""
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, interval: float = 0.1, message: str = "condition",
               details: Callable[[], str] | None = None) -> T:
    """The first truthy value of `predicate()`; AssertionError naming `message` (and `details()`, e.g. a
    log) once `timeout` seconds pass without one."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n{details()}" if details else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {message}{extra}")
        time.sleep(interval)
