"""The embedded Postgres that bayflow starts itself when DATABASE_URL is unset (pgserver)."""
import os
import tempfile
from pathlib import Path


def _ensure_runtime_dir() -> None:
    """pgserver keeps its lock file and sockets in the user's runtime directory, which it asks
    platformdirs for when it is imported; without XDG_RUNTIME_DIR platformdirs warns and falls
    back to /tmp/runtime-<uid>. Name that same directory (so every process still shares one
    lock) before the import, with no warning on every command."""
    if os.environ.get("XDG_RUNTIME_DIR") or not hasattr(os, "getuid"):
        return
    runtime = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    if runtime.stat().st_uid != os.getuid():
        return  # someone else's: leave the choice (and its warning) to platformdirs
    runtime.chmod(0o700)  # a runtime directory is private (platformdirs also warns otherwise)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def start(data_dir: Path) -> str:
    """Start (or join) the Postgres kept in `data_dir` and return its connection URL.

    pgserver reference-counts the processes using one data directory and stops the
    server when the last of them exits, so the API and workers can share it.
    """
    _ensure_runtime_dir()
    import pgserver

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    return server.get_uri()
