"""`GET /v1/events`: server-sent events of the pipeline, live from Postgres LISTEN/NOTIFY.

Staff receive every event; anyone else only events naming them in their audience (a
technician: their tasks assigned or moved). `Last-Event-ID` (or `?after=`) first replays
missed events the caller may see (RLS on `events`), then a `: live` comment, then live events. The
request's database transaction ends before streaming starts: an open stream holds no
database connection.
"""
import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from api.db import create_listener_engine
from api.deps import Connection, CurrentPrincipal
from api.event_hub import EventHub
from api.problems import ProblemError
from api.queries import load
from api.schemas.common import INT8_MAX
from bayflow.events import visible_to

SQL = load("events")

router = APIRouter(prefix="/v1/events", tags=["events"])

KEEPALIVE_S = 15.0
_POLL_S = 1.0  # how often a quiet stream checks that its client is still there
REPLAY_LIMIT = 1000
FIELDS = ("id", "type", "work_order_id", "task_id", "schedule_run_id")


def hub(request: Request) -> EventHub:
    app = request.app
    if getattr(app.state, "event_hub", None) is None:
        app.state.event_hub = EventHub(create_listener_engine(app.state.settings))
    return app.state.event_hub


def _frame(event: dict) -> str:
    data = {k: event.get(k) for k in FIELDS}
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {json.dumps(data)}\n\n"


@router.get("", response_class=StreamingResponse, responses={200: {
    "description": "an endless stream of server-sent events",
    "content": {"text/event-stream": {"schema": {"type": "string"}}}}})
async def events(request: Request, conn: Connection, principal: CurrentPrincipal,
                 last_event_id: Annotated[int | None, Header(ge=0, le=INT8_MAX, description="resume after this event id")] = None,
                 after: Annotated[int | None, Query(ge=0, le=INT8_MAX, description="replay events after this id")] = None):
    """`event:` is the event type (work_order.planned, work_order.needs_review, schedule.published,
    task.assigned, task.moved, technician.schedule_changed, pipeline.failed), `data:` JSON {id, type,
    work_order_id, task_id, schedule_run_id}, `id:` the event id to resume from."""
    try:
        subscription = await hub(request).subscribe()
    except asyncio.TimeoutError:
        raise ProblemError(503, "Events unavailable", "cannot listen for events right now; retry shortly",
                           headers={"Retry-After": "5"}) from None
    since = last_event_id if last_event_id is not None else after
    replay = []
    if since is not None:
        replay = [dict(r._mapping)
                  for r in await conn.execute(SQL.replay.text, {"after": since, "limit": REPLAY_LIMIT})]
    profile_id, role = str(principal.profile_id), principal.role

    async def stream():
        try:
            yield ": connected\n\n"
            for event in replay:
                yield _frame(event)
            yield ": live\n\n"  # what follows happened after the request
            replayed = {event["id"] for event in replay}
            quiet_s = 0.0
            while True:
                try:
                    event = await asyncio.wait_for(subscription.queue.get(), _POLL_S)
                except asyncio.TimeoutError:
                    if await request.is_disconnected():
                        return
                    quiet_s += _POLL_S
                    if quiet_s >= KEEPALIVE_S:
                        quiet_s = 0.0
                        yield ": keepalive\n\n"
                    continue
                if event is None:
                    return
                if event["id"] not in replayed and visible_to(event, profile_id, role):
                    yield _frame(event)
        finally:
            hub(request).unsubscribe(subscription)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
