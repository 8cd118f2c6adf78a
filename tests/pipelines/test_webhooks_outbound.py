"""Outbound webhooks end to end: deliveries written with the event, sent signed by real workers to
real HTTP receivers on 127.0.0.1, retried with backoff, dead-lettered, logged and re-sent."""
import asyncio
import json

import httpx
import psycopg

from api.app import create_app
from bayflow import signing
from pipelines.events import Event, publish
from pipelines.webhooks import write_deliveries
from tasks.webhook_actors import enqueue_deliveries
from tests.support.polling import wait_until
from tests.support.shop import ADMIN, DISPATCHER
from tests.support.sql import query, scalar

SECRET = "outbound-secret-0123456789"
FAST = {"bayflow_webhook_max_attempts": 3, "bayflow_webhook_min_backoff_ms": 100,
        "bayflow_webhook_max_backoff_ms": 300, "bayflow_webhook_timeout_s": 1}


def subscribe(client, as_user, url: str, event_types: list[str]) -> str:
    response = client.post("/v1/webhooks/subscriptions", headers=as_user(ADMIN),
                           json={"url": url, "secret": SECRET, "event_types": event_types})
    assert response.status_code == 201, response.text
    assert SECRET not in response.text
    return response.json()["id"]


def publish_deliveries(conn, event_type: str, payload: dict, *, event_id: int) -> int:
    """What the notify step and its actor do in one transaction: write the deliveries, enqueue their jobs."""
    written = write_deliveries(conn, event_type, payload, event_id=event_id)
    enqueue_deliveries(conn, written)
    return len(written)


def deliveries(db_url: str) -> dict[str, tuple]:
    rows = query(db_url, "select s.url, d.status, d.attempts from public.webhook_deliveries d"
                         " join public.webhook_subscriptions s on s.id = d.subscription_id")
    return {url: (status, attempts) for url, status, attempts in rows}


def test_deliveries_are_signed_retried_dead_lettered_and_resent(shop_db, make_client, as_user, receiver, workers, env):
    env(**FAST)
    client = make_client(shop_db)
    ok, flaky, hanging, other = receiver(), receiver([500, 503]), receiver(default="hang"), receiver()
    for r in (ok, flaky, hanging):
        subscribe(client, as_user, r.url, ["schedule.published"])
    subscribe(client, as_user, other.url, ["work_order.needs_review"])

    payload = {"schedule_run_id": "4f1c0e8a-0000-4000-8000-000000000001", "tasks_placed": 12}
    with psycopg.connect(shop_db) as conn:  # the notify step's transaction
        assert publish_deliveries(conn, "schedule.published", payload, event_id=41) == 3
        conn.rollback()  # an event that is not committed sends nothing
        assert publish_deliveries(conn, "schedule.published", payload, event_id=42) == 3
    assert scalar(shop_db, "select count(*) from public.webhook_deliveries") == 3

    workers.start(database_url=shop_db, **FAST)
    wait_until(lambda: deliveries(shop_db).get(ok.url, ("",))[0] == "succeeded" and hanging.requests, 60,
               message="first delivery, and the hanging receiver called")
    # The healthy receiver was not held up by the one that hangs: whichever was claimed first,
    # it was called before the hanging call timed out.
    assert ok.requests[0]["at"] < hanging.requests[0]["at"] + FAST["bayflow_webhook_timeout_s"]

    sent = ok.requests[0]
    assert signing.verify(SECRET, sent["body"], sent["headers"][signing.TIMESTAMP_HEADER],
                          sent["headers"][signing.SIGNATURE_HEADER], tolerance_s=60)
    document = json.loads(sent["body"])
    assert (document["id"], document["type"], document["data"]) == ("42", "schedule.published", payload)
    assert sent["headers"]["X-Bayflow-Event"] == "schedule.published"

    wait_until(lambda: deliveries(shop_db)[flaky.url] == ("succeeded", 3), 30, message="flaky receiver to recover")
    wait_until(lambda: deliveries(shop_db)[hanging.url] == ("dead", 3), 30, message="hanging delivery dead-lettered")
    assert other.requests == []
    assert len({r["body"] for r in flaky.requests}) == 1  # every attempt sends the same event

    dead_id = scalar(shop_db, "select d.id::text from public.webhook_deliveries d join public.webhook_subscriptions s"
                              " on s.id = d.subscription_id where s.url = %s", (hanging.url,))
    detail = client.get(f"/v1/webhooks/deliveries/{dead_id}", headers=as_user(DISPATCHER)).json()
    assert detail["status"] == "dead"
    assert [(a["attempt"], a["status_code"], a["error"], a["succeeded"]) for a in detail["attempt_log"]] == \
        [(1, None, "timed out", False), (2, None, "timed out", False), (3, None, "timed out", False)]
    assert all(900 <= a["latency_ms"] < 5000 for a in detail["attempt_log"])
    flaky_id = scalar(shop_db, "select d.id::text from public.webhook_deliveries d join public.webhook_subscriptions s"
                               " on s.id = d.subscription_id where s.url = %s", (flaky.url,))
    flaky_delivery = client.get(f"/v1/webhooks/deliveries/{flaky_id}", headers=as_user(DISPATCHER)).json()
    flaky_log = flaky_delivery["attempt_log"]
    assert [(a["status_code"], a["error"]) for a in flaky_log] == [(500, "HTTP 500"), (503, "HTTP 503"), (200, None)]
    assert scalar(shop_db, "select count(*) from public.job_queue"
                           " where actor = 'deliver_webhook' and status = 'failed'") == 1

    hanging.default = 200
    hanging.release.set()
    resent = client.post(f"/v1/webhooks/deliveries/{dead_id}/resend", headers=as_user(DISPATCHER))
    assert resent.status_code == 202 and resent.json()["status"] == "pending"
    wait_until(lambda: deliveries(shop_db)[hanging.url] == ("succeeded", 4), 30, message="re-sent delivery")
    listed = client.get("/v1/webhooks/deliveries", params={"status": "succeeded"}, headers=as_user(DISPATCHER)).json()
    assert len(listed) == 3


def test_subscription_crud_is_for_admins_and_checks_event_types(shop_db, make_client, as_user):
    client = make_client(shop_db)
    assert client.post("/v1/webhooks/subscriptions", headers=as_user(DISPATCHER),
                       json={"url": "http://127.0.0.1:9/x", "secret": SECRET, "event_types": ["*"]}).status_code == 403
    unknown = client.post("/v1/webhooks/subscriptions", headers=as_user(ADMIN),
                          json={"url": "http://127.0.0.1:9/x", "secret": SECRET, "event_types": ["invoice.paid"]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "event_types"
    bad_url = client.post("/v1/webhooks/subscriptions", headers=as_user(ADMIN),
                          json={"url": "ftp://example.com", "secret": SECRET, "event_types": ["*"]})
    assert bad_url.status_code == 422
    subscription_id = subscribe(client, as_user, "http://127.0.0.1:9/x", ["*"])
    changed = client.patch(f"/v1/webhooks/subscriptions/{subscription_id}", headers=as_user(ADMIN),
                           json={"event_types": ["task.moved"], "active": False})
    assert changed.status_code == 200 and changed.json()["event_types"] == ["task.moved"]
    assert client.get("/v1/webhooks/subscriptions", headers=as_user(ADMIN)).json()[0]["active"] is False
    with psycopg.connect(shop_db) as conn:
        assert publish_deliveries(conn, "task.moved", {}, event_id=1) == 0  # inactive: nothing to send
    assert client.delete(f"/v1/webhooks/subscriptions/{subscription_id}", headers=as_user(ADMIN)).status_code == 204
    assert client.get(f"/v1/webhooks/subscriptions/{subscription_id}", headers=as_user(ADMIN)).status_code == 404


def test_published_events_are_queued_for_their_subscribers(shop_db, make_client, as_user):
    client = make_client(shop_db)
    subscribe(client, as_user, "http://127.0.0.1:9/planned", ["work_order.planned"])
    subscribe(client, as_user, "http://127.0.0.1:9/all", ["*"])
    with psycopg.connect(shop_db) as conn:  # the notify step's transaction
        published = publish(conn, [Event("task.moved", {"from": "10:00"}, task_id=None)])
        enqueue_deliveries(conn, published.deliveries)
        (event_id,) = published.event_ids
    rows = query(shop_db, "select s.url, d.event_id, d.payload from public.webhook_deliveries d"
                          " join public.webhook_subscriptions s on s.id = d.subscription_id")
    assert [(url, event) for url, event, _ in rows] == [("http://127.0.0.1:9/all", str(event_id))]
    assert rows[0][2]["from"] == "10:00"
    assert scalar(shop_db, "select count(*) from job_queue where actor = 'deliver_webhook'") == 1


def test_concurrent_resends_of_a_dead_delivery_start_one_chain(shop_db, make_client, as_user, supabase_auth, tmp_path,
                                                               env):
    """5 re-sends at once of one dead delivery: one job, with the attempt limit; a re-send while
    that job is queued returns the delivery and starts nothing."""
    env(bayflow_webhook_max_attempts=4)
    subscribe(make_client(shop_db), as_user, "http://127.0.0.1:9/dead", ["*"])
    with psycopg.connect(shop_db) as conn:
        (delivery_id,) = write_deliveries(conn, "task.moved", {}, event_id=7)
        conn.execute("update public.webhook_deliveries set status = 'dead', attempts = 4 where id = %s", (delivery_id,))
    app = create_app(supabase_auth.app_settings(shop_db, tmp_path))
    url = f"/v1/webhooks/deliveries/{delivery_id}/resend"

    async def resend(times: int) -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
            answers = await asyncio.gather(*(client.post(url, headers=as_user(DISPATCHER)) for _ in range(times)))
        return list(answers)

    async def scenario():
        try:
            return await resend(5), await resend(1)
        finally:
            await app.state.engine.dispose()

    concurrent, later = asyncio.run(scenario())
    assert [r.status_code for r in concurrent + later] == [202] * 6
    assert {r.json()["status"] for r in concurrent + later} == {"pending"}
    jobs = query(shop_db, "select max_attempts from public.job_queue where actor = 'deliver_webhook'"
                          " and message -> 'args' ->> 0 = %s", (delivery_id,))
    assert jobs == [(4,)]
