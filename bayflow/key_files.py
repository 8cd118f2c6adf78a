"""Secrets bayflow makes for itself on first use and keeps under BAYFLOW_HOME (dev signing key, URL signing key)."""
import os
from collections.abc import Callable
from pathlib import Path


def load_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The bytes at `path`, written first (mode 0600) from `make()` if the file is missing.
    Concurrent first uses agree on one: each writes a file of its own and links it into place,
    and whoever loses the race reads the winner's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()
