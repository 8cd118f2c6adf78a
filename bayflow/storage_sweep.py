"""Removing the stored objects of deleted attachments (the keys migration 20261207000620 records
in `storage_deletions`): each object is deleted from storage first, then its row, so a sweep
stopped half way leaves rows that the next sweep finishes."""
from bayflow.paths import SQL
from bayflow.queries import load
from bayflow.storage import Storage

QUERIES = load(SQL / "storage.sql")


def sweep(conn, storage: Storage, batch: int = 500) -> int:
    """Remove every recorded object (`conn`: the owner's or service role's psycopg connection);
    the number removed. Concurrent sweeps skip each other's rows."""
    removed = 0
    while True:
        with conn.transaction():
            keys = [k for (k,) in conn.execute(QUERIES.claim_deletions.psycopg, {"batch": batch}).fetchall()]
            for key in keys:
                storage.delete(key)
            conn.execute(QUERIES.forget_deletions.psycopg, {"keys": keys})
        removed += len(keys)
        if len(keys) < batch:
            return removed
