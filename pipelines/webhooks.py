"""Outbound webhooks: a delivery per subscribed event, sent signed by its own job.

`write_deliveries` runs in the transaction of whoever publishes an event (the notify
step): it writes one `webhook_deliveries` row per active subscription to that event
type, and the actor holding that transaction enqueues one `deliver_webhook` job per row,
so a delivery exists exactly when the event does. `deliver` makes one attempt: it reads what to send, POSTs it outside any
transaction with a short timeout, then records the attempt. A failed attempt raises
`DeliveryFailed` so the queue retries it with backoff; after the last one the job is
dead-lettered and `mark_dead` marks the delivery `dead`, from where the API can re-send it.
"""
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

from bayflow import signing
from bayflow.database import connect

# Event types the notify step publishes; a subscription lists some of them, or "*".
EVENT_TYPES = ("work_order.planned", "work_order.needs_review", "work_order.at_risk", "schedule.published",
               "schedule.at_risk", "task.assigned", "task.moved", "technician.schedule_changed", "pipeline.failed")
ALL_EVENTS = "*"
USER_AGENT = "bayflow-webhooks/1"


class DeliveryFailed(Exception):
    """The receiver did not accept the delivery (non-2xx, timeout, connection error)."""


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.error is None


def write_deliveries(conn, event_type: str, payload: dict, *, event_id: str | int) -> list[str]:
    """In `conn`'s transaction (psycopg): a delivery for each subscriber; their ids, for the
    caller to enqueue (tasks.webhook_actors.enqueue_deliveries)."""
    rows = conn.execute(
        """
        insert into public.webhook_deliveries (subscription_id, event_id, event_type, payload)
        select s.id, %(event_id)s, %(type)s, %(payload)s::jsonb
          from public.webhook_subscriptions s
         where s.active and (%(type)s = any (s.event_types) or %(all)s = any (s.event_types))
        on conflict (subscription_id, event_id) do nothing
        returning id
        """,
        {"event_id": str(event_id), "type": event_type, "payload": json.dumps(payload), "all": ALL_EVENTS},
    ).fetchall()
    return [str(delivery_id) for (delivery_id,) in rows]


def body_of(event_id: str, event_type: str, created_at: datetime, payload: dict) -> bytes:
    """What a receiver gets: the same bytes on every attempt of one delivery."""
    document = {"id": event_id, "type": event_type, "created_at": created_at.isoformat(), "data": payload}
    return json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode("utf-8")


def post_signed(client: httpx.Client, url: str, secret: str, body: bytes, headers: dict[str, str]) -> AttemptResult:
    """One POST; never raises for the receiver's failures (they are the result)."""
    signed = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers,
              **signing.sign(secret, body)}
    started = time.perf_counter()
    try:
        response = client.post(url, content=body, headers=signed)
    except httpx.TimeoutException:
        return AttemptResult(None, _elapsed_ms(started), "timed out")
    except httpx.HTTPError as exc:
        return AttemptResult(None, _elapsed_ms(started), f"{type(exc).__name__}: {exc}"[:500])
    latency = _elapsed_ms(started)
    if 200 <= response.status_code < 300:
        return AttemptResult(response.status_code, latency, None)
    return AttemptResult(response.status_code, latency, f"HTTP {response.status_code}")


def _elapsed_ms(started: float) -> int:
    return max(0, round((time.perf_counter() - started) * 1000))


_LOAD = """
select d.status, d.event_id, d.event_type, d.created_at, d.payload, s.url, s.active, k.secret
  from public.webhook_deliveries d
  join public.webhook_subscriptions s on s.id = d.subscription_id
  join public.webhook_subscription_secrets k on k.subscription_id = s.id
 where d.id = %s
"""

_RECORD = """
with attempt as (
  insert into public.webhook_attempts (delivery_id, attempt, started_at, status_code, latency_ms, error, succeeded)
  select %(id)s, d.attempts + 1, %(started_at)s, %(code)s, %(latency)s, %(error)s, %(ok)s
    from public.webhook_deliveries d where d.id = %(id)s
)
update public.webhook_deliveries
   set attempts = attempts + 1, last_status_code = %(code)s, last_error = %(error)s, status = %(status)s,
       delivered_at = case when %(ok)s then now() else delivered_at end, updated_at = now()
 where id = %(id)s
"""


def deliver(delivery_id: str, *, timeout_s: float, url: str | None = None) -> AttemptResult | None:
    """One attempt of a delivery; None if there is nothing to send any more.

    Raises DeliveryFailed after recording a failed attempt. No transaction is open
    while the receiver is called.
    """
    with connect(url, autocommit=True) as conn:
        row = conn.execute(_LOAD, (delivery_id,)).fetchone()
        if row is None:
            return None  # the subscription (and its deliveries) was deleted meanwhile
        status, event_id, event_type, created_at, payload, target, active, secret = row
        if status == "succeeded" or not active:
            return None
        body = body_of(event_id, event_type, created_at, payload)
        headers = {"X-Bayflow-Event": event_type, "X-Bayflow-Delivery": str(delivery_id)}
        started_at = datetime.now(timezone.utc)
        with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
            result = post_signed(client, target, secret, body, headers)
        conn.execute(_RECORD, {"id": delivery_id, "started_at": started_at, "code": result.status_code,
                               "latency": result.latency_ms, "error": result.error, "ok": result.succeeded,
                               "status": "succeeded" if result.succeeded else "retrying"})
    if not result.succeeded:
        # The host only: receivers' URLs often carry tokens in their path or query.
        raise DeliveryFailed(f"delivery {delivery_id} to {httpx.URL(target).host}: {result.error}")
    return result


def mark_dead(delivery_id: str, *, url: str | None = None) -> None:
    """The delivery's last attempt failed: it stays `dead` until re-sent."""
    with connect(url) as conn, conn.transaction():
        conn.execute("update public.webhook_deliveries set status = 'dead', updated_at = now()"
                     " where id = %s and status <> 'succeeded'", (delivery_id,))
