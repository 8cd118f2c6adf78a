"""What dramatiq's tests import from `.common` (a module its sdist does not ship), written for this harness."""
import os
import platform
from contextlib import contextmanager

import pika
import pytest

from dramatiq import Worker


@contextmanager
def worker(*args, **kwargs):
    """A started Worker, stopped on exit."""
    running = Worker(*args, **kwargs)
    running.start()
    try:
        yield running
    finally:
        running.stop()


skip_in_ci = pytest.mark.skipif(os.getenv("CI") is not None, reason="skipped in CI by dramatiq")
skip_on_windows = pytest.mark.skipif(platform.system() == "Windows", reason="not on Windows")
skip_on_pypy = pytest.mark.skipif(platform.python_implementation() == "PyPy", reason="not on PyPy")
RABBITMQ_CREDENTIALS = pika.credentials.PlainCredentials("guest", "guest")
