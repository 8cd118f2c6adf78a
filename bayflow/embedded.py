"""The embedded Postgres that bayflow starts itself when DATABASE_URL is unset (pgserver)."""
from pathlib import Path


def start(data_dir: Path) -> str:
    """Start (or join) the Postgres kept in `data_dir` and return its connection URL.

    pgserver reference-counts the processes using one data directory and stops the
    server when the last of them exits, so the API and workers can share it.
    """
    import pgserver

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    return server.get_uri()
