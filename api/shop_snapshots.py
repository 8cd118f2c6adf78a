"""The shop as the what-if loads it, kept between requests while nothing it is built from has
changed: a dispatcher dragging a task asks for a what-if per slot, and loading a 1,000-task
shop costs far more than judging a move on it.

The key is a fingerprint of every table the scheduling `Problem` is built from (row counts and
latest changes, read in the request's own transaction), the horizon's start minute and its
length. Only staff ask for what-ifs and staff see every row, so one snapshot serves them all.
"""
import threading
from collections.abc import Callable, Hashable

from sqlalchemy.ext.asyncio import AsyncConnection

from api.queries import load
from pipelines.schedule_run import LoadedShop

SQL = load("shop_snapshots")


async def fingerprint(conn: AsyncConnection) -> tuple:
    """What the shop's scheduling data looks like now, as the caller sees it."""
    return tuple((await conn.execute(SQL.fingerprint.text)).one())


class ShopSnapshots:
    """The last loaded shop and its key (thread-safe: loads run in worker threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Hashable | None = None
        self._shop: LoadedShop | None = None

    def get(self, key: Hashable, load: Callable[[], LoadedShop]) -> LoadedShop:
        """The snapshot for `key`, loaded with `load()` unless the last one has that key."""
        with self._lock:
            if self._key == key and self._shop is not None:
                return self._shop
        shop = load()
        with self._lock:
            self._key, self._shop = key, shop
        return shop
