"""One LISTEN connection per API process relaying `bayflow_events` to the SSE clients.

Started on the first subscriber, it reconnects after losing its connection. Each
subscriber has a bounded queue; a client too slow to drain it is disconnected (its
stream ends) rather than letting memory grow.

The connection comes from the API's listener engine (`api.db.create_listener_engine`:
SQLAlchemy over asyncpg, as every other API connection, but its own and not from the request
pool, since it is held for the life of the process). SQLAlchemy has no LISTEN of its own:
notifications arrive through asyncpg's `add_listener` on that connection's driver connection.
"""
import asyncio
import json
import logging

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bayflow.events import CHANNEL

log = logging.getLogger(__name__)
QUEUE_SIZE = 1000
_RECONNECT_S = 1.0


class Subscription:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict | None] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, event: dict | None) -> bool:
        try:
            self.queue.put_nowait(event)
            return True
        except asyncio.QueueFull:
            return False


class EventHub:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._subscriptions: set[Subscription] = set()
        self._listening = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def subscribe(self, timeout_s: float = 10.0) -> Subscription:
        """A new subscription, once the hub is listening (so no event after this call is missed)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="bayflow-event-hub")
        await asyncio.wait_for(self._listening.wait(), timeout_s)
        sub = Subscription()
        self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscriptions.discard(sub)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        for sub in list(self._subscriptions):
            sub.offer(None)
        await self._engine.dispose()

    def _relay(self, connection, pid, channel, payload: str) -> None:
        try:
            event = json.loads(payload)
        except ValueError:
            log.warning("ignored a malformed %s payload", CHANNEL)
            return
        for sub in list(self._subscriptions):
            if not sub.offer(event):
                log.warning("an event stream fell %d events behind; it is closed", QUEUE_SIZE)
                self._subscriptions.discard(sub)
                sub.queue.get_nowait()  # make room for the end-of-stream marker
                sub.offer(None)

    async def _run(self) -> None:
        while True:
            try:
                async with self._engine.connect() as conn:
                    listener = (await conn.get_raw_connection()).driver_connection
                    lost = asyncio.Event()
                    listener.add_termination_listener(lambda _c: lost.set())
                    await listener.add_listener(CHANNEL, self._relay)
                    self._listening.set()
                    try:
                        await lost.wait()
                    finally:
                        self._listening.clear()
                        if not listener.is_closed():
                            await listener.remove_listener(CHANNEL, self._relay)
                log.warning("lost the %s listener connection; reconnecting", CHANNEL)
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, DBAPIError) as exc:
                log.warning("cannot listen on %s (%s); retrying", CHANNEL, exc)
            await asyncio.sleep(_RECONNECT_S)
