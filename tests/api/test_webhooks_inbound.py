"""Signed inbound webhooks over HTTP: signature, replay window, seen ids, unknown source, size,
and what an event may change (only its own source's work orders), audited as the source."""
import json
import time
import uuid

import psycopg
import pytest

from bayflow import signing
from tests.support.shop import ADMIN, DISPATCHER
from tests.support.sql import query, scalar

SECRET = "dms-shared-secret-0123456789"


@pytest.fixture
def client(shop_db, make_client, as_user):
    client = make_client(shop_db, bayflow_webhook_max_body_bytes=4096)
    created = client.post("/v1/webhooks/sources", headers=as_user(ADMIN),
                          json={"name": "dms", "secret": SECRET, "description": "dealer management system"})
    assert created.status_code == 201, created.text
    return client


def send(client, event: dict, *, source: str = "dms", secret: str = SECRET, timestamp: int | None = None,
         body: bytes | None = None, signature: str | None = None):
    body = body if body is not None else json.dumps(event).encode()
    headers = signing.sign(secret, body, timestamp=timestamp)
    if signature is not None:
        headers[signing.SIGNATURE_HEADER] = signature
    return client.post(f"/v1/webhooks/inbound/{source}", content=body,
                       headers={**headers, "Content-Type": "application/json"})


def work_order_event(external_id: str = "RO-77", **data) -> dict:
    return {"id": f"evt-{uuid.uuid4()}", "type": "work_order.upsert",
            "data": {"external_id": external_id, "description": "No start, battery warning light",
                     "priority": 4, "tasks": [{"name": "Test battery", "duration_minutes": 20},
                                              {"name": "Replace alternator", "duration_minutes": 120,
                                               "needs_parts": True, "depends_on": ["Test battery"]}], **data}}


def test_signed_new_work_order_is_written_as_the_source_and_enters_the_pipeline(shop_db, client):
    response = send(client, work_order_event())
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["outcome"] == "created"
    assert query(shop_db, "select source, external_id, priority from public.work_orders") == [("dms", "RO-77", 4)]
    assert scalar(shop_db, "select count(*) from public.tasks") == 2
    assert query(shop_db, "select triggered_by from public.pipeline_runs where id = %s",
                 (result["pipeline_run_id"],)) == [("webhook:dms",)]
    actors = {a for (a,) in query(shop_db, "select distinct actor from public.audit_log"
                                           " where table_name in ('work_orders', 'tasks', 'task_dependencies')")}
    assert actors == {"webhook:dms"}
    # the same work order again, updated, under a new event id
    again = send(client, work_order_event(priority=5))
    assert again.json()["result"]["outcome"] == "updated"
    assert scalar(shop_db, "select count(*) from public.work_orders") == 1


def test_parts_eta_updates_the_task_and_triggers_a_reschedule(shop_db, client):
    send(client, work_order_event())
    eta = {"id": "evt-eta-1", "type": "parts.eta_changed",
           "data": {"work_order_external_id": "RO-77", "task_name": "Replace alternator",
                    "parts_ready_at": "2026-12-02T09:00:00Z"}}
    response = send(client, eta)
    assert response.status_code == 200, response.text
    assert response.json()["result"]["changed"] == 1
    assert query(shop_db, "select needs_parts, parts_ready_at at time zone 'UTC' from public.tasks"
                          " where name = 'Replace alternator'")[0][1].isoformat() == "2026-12-02T09:00:00"
    assert query(shop_db, "select kind, triggered_by from public.pipeline_runs where id = %s",
                 (response.json()["result"]["reschedule_run_id"],)) == [("reschedule", "webhook:dms")]
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'schedule_shop'") == 1

    task_id = response.json()["result"]["task_ids"][0]
    arrived = send(client, {"id": "evt-arrived-1", "type": "parts.arrived",
                            "data": {"task_id": task_id, "arrived_at": "2026-12-01T15:00:00Z"}})
    assert arrived.status_code == 200
    assert query(shop_db, "select parts_ready_at at time zone 'UTC' from public.tasks where id = %s",
                 (task_id,))[0][0].isoformat() == "2026-12-01T15:00:00"


def test_bad_signature_stale_timestamp_and_replay_are_refused(shop_db, client):
    event = work_order_event()
    assert send(client, event, secret="not-the-secret-at-all").status_code == 401
    tampered = send(client, event, signature="v1=" + "0" * 64)
    assert tampered.status_code == 401 and tampered.json()["detail"] == "signature does not match"
    stale = send(client, event, timestamp=int(time.time()) - 301)
    assert stale.status_code == 401 and "replay window" in stale.json()["detail"]
    missing = client.post("/v1/webhooks/inbound/dms", content=json.dumps(event).encode())
    assert missing.status_code == 401 and "missing X-Bayflow-Timestamp" in missing.json()["detail"]
    assert scalar(shop_db, "select count(*) from public.work_orders") == 0

    assert send(client, event).status_code == 200
    replay = send(client, event)  # freshly signed, same event id
    assert replay.status_code == 409 and replay.json()["title"] == "Event already received"
    assert scalar(shop_db, "select count(*) from public.inbound_events") == 1


def test_unknown_or_inactive_source_and_oversized_body(shop_db, client, as_user):
    assert send(client, work_order_event(), source="crm").status_code == 404
    big = send(client, {}, body=b'{"id": "x", "type": "parts.arrived", "data": {"pad": "' + b"x" * 5000 + b'"}}')
    assert big.status_code == 413
    client.patch("/v1/webhooks/sources/dms", headers=as_user(ADMIN), json={"active": False})
    assert send(client, work_order_event()).status_code == 404


def test_invalid_events_name_the_field_and_write_nothing(shop_db, client):
    bad = send(client, work_order_event(priority=9, colour="red"))
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"data.priority", "data.colour"}
    unknown_type = send(client, {"id": "e1", "type": "invoice.paid", "data": {}})
    assert unknown_type.status_code == 422 and unknown_type.json()["errors"][0]["field"] == "type"
    missing_task = send(client, {"id": "e2", "type": "parts.arrived",
                                 "data": {"work_order_external_id": "RO-1", "task_name": "x"}})
    assert missing_task.status_code == 404
    assert scalar(shop_db, "select count(*) from public.inbound_events") == 0  # a refused event can be sent again
    assert scalar(shop_db, "select count(*) from public.work_orders") == 0


def test_a_source_cannot_touch_another_sources_work_orders(shop_db, client, as_user):
    with psycopg.connect(shop_db) as conn:
        work_order = conn.execute("insert into public.work_orders (source, external_id, description)"
                                  " values ('crm', 'RO-77', 'other system') returning id").fetchone()[0]
        task = conn.execute("insert into public.tasks (work_order_id, name, duration_minutes)"
                            " values (%s, 'Replace alternator', 60) returning id::text", (work_order,)).fetchone()[0]
    by_id = send(client, {"id": "e1", "type": "parts.arrived", "data": {"task_id": task}})
    assert by_id.status_code == 404
    by_name = send(client, {"id": "e2", "type": "parts.eta_changed",
                            "data": {"work_order_external_id": "RO-77", "task_name": "Replace alternator",
                                     "parts_ready_at": "2026-12-02"}})
    assert by_name.status_code == 404
    assert query(shop_db, "select needs_parts from public.tasks where id = %s", (task,)) == [(False,)]
    # its own RO-77 is a different work order (source dms)
    assert send(client, work_order_event()).json()["result"]["outcome"] == "created"
    assert scalar(shop_db, "select count(*) from public.work_orders where external_id = 'RO-77'") == 2


def test_secrets_are_write_only(shop_db, client, as_user):
    listed = client.get("/v1/webhooks/sources", headers=as_user(ADMIN))
    assert listed.status_code == 200 and SECRET not in listed.text and "secret" not in listed.json()[0]
    rotated = client.patch("/v1/webhooks/sources/dms", headers=as_user(ADMIN),
                           json={"secret": "a-brand-new-secret-value"})
    assert rotated.status_code == 200 and "a-brand-new-secret-value" not in rotated.text
    assert send(client, work_order_event()).status_code == 401
    assert send(client, work_order_event(), secret="a-brand-new-secret-value").status_code == 200
    short = client.post("/v1/webhooks/sources", headers=as_user(ADMIN), json={"name": "x", "secret": "short"})
    assert short.status_code == 422 and "short" not in short.text
    assert client.get("/v1/webhooks/sources", headers=as_user(DISPATCHER)).status_code == 403
    audit = query(shop_db, "select coalesce(new_row::text, '') from public.audit_log"
                           " where table_name = 'inbound_sources'")
    assert audit and all(SECRET not in row and "a-brand-new" not in row for (row,) in audit)
