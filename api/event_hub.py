"""One LISTEN connection per API process relaying `bayflow_events` to the SSE clients.

Started on the first subscriber, it reconnects after losing its connection. Each
subscriber has a bounded queue; a client too slow to drain it is disconnected (its
stream ends) rather than letting memory grow.
"""
import asyncio
import json
import logging

import asyncpg

from bayflow.config import Settings
from bayflow.database import database_url, plain_url
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
    def __init__(self, s: Settings) -> None:
        self._own_login = bool(s.bayflow_api_database_url)
        self._url = plain_url(s.bayflow_api_database_url or s.database_url or database_url())
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
            conn = None
            try:
                conn = await asyncpg.connect(self._url, statement_cache_size=0,
                                             server_settings={"application_name": "bayflow-events"})
                if not self._own_login:
                    await conn.execute("set role bayflow_api")  # no table rights: LISTEN only
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c: lost.set())
                await conn.add_listener(CHANNEL, self._relay)
                self._listening.set()
                await lost.wait()
                log.warning("lost the %s listener connection; reconnecting", CHANNEL)
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("cannot listen on %s (%s); retrying", CHANNEL, exc)
            finally:
                self._listening.clear()
                if conn is not None and not conn.is_closed():
                    await conn.close()
            await asyncio.sleep(_RECONNECT_S)
