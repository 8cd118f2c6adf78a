"""The shop as the what-if loads it, kept between requests while nothing it is built from has
changed: a dispatcher dragging a task asks for a what-if per slot, and loading a 1,000-task
shop costs far more than judging a move on it.

The key is a fingerprint of every table the scheduling `Problem` is built from (row counts and
latest changes, read in the request's own transaction), the horizon's start minute and its
length. Only staff ask for what-ifs and staff see every row, so one snapshot serves them all.
"""
import threading
from collections.abc import Callable, Hashable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pipelines.schedule_run import LoadedShop

FINGERPRINT = text("""select
  (select row(count(*), max(updated_at), sum(version)) from public.tasks)::text,
  (select row(count(*), max(updated_at), sum(version)) from public.work_orders)::text,
  (select row(count(*), max(updated_at), sum(version)) from public.technicians)::text,
  (select row(count(*), max(updated_at), sum(version)) from public.bays)::text,
  (select row(count(*), max(updated_at), sum(version)) from public.calendar_events)::text,
  (select row(count(*), sum(hashtext(task_id::text || depends_on_task_id::text))) from public.task_dependencies)::text,
  (select row(timezone, version) from public.shop_settings)::text""")


async def fingerprint(conn: AsyncConnection) -> tuple:
    """What the shop's scheduling data looks like now, as the caller sees it."""
    return tuple((await conn.execute(FINGERPRINT)).one())


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
