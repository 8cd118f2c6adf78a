"""RLS per request: a technician sees only the tasks assigned to them, through every list and
detail endpoint; a hidden row answers 404, never 403."""
import pytest

from tests.api.test_work_orders import BRAKE_JOB, create
from tests.support.shop import DISPATCHER, TECH_ANA, TECHNICIAN_ANA, TECHNICIAN_BEN


@pytest.fixture
def orders(client, as_user):
    """Two work orders: the first has a task for each technician, the second one only for B."""
    first = create(client, as_user).json()
    second = create(client, as_user, {**BRAKE_JOB, "customer_name": "Lee Park", "tasks": [
        {"key": "b-only", "name": "Tyre swap", "duration_minutes": 40, "assigned_technician_id": str(TECHNICIAN_BEN)},
    ]}).json()
    return first, second


def test_tech_sees_only_assigned_tasks_everywhere(client, as_user, orders):
    first, second = orders
    mine = first["task_ids"]["inspect"]
    others = [first["task_ids"]["pads"], first["task_ids"]["test"], second["task_ids"]["b-only"]]
    tech = as_user(TECH_ANA)

    listed = client.get("/v1/tasks", headers=tech).json()["items"]
    assert [t["id"] for t in listed] == [mine]
    for params in ({"work_order_id": first["id"]}, {"assignee": str(TECHNICIAN_BEN)}, {"status": "pending"}):
        ids = [t["id"] for t in client.get("/v1/tasks", params=params, headers=tech).json()["items"]]
        assert set(ids) <= {mine}, params

    assert client.get(f"/v1/tasks/{mine}", headers=tech).status_code == 200
    for task_id in others:
        hidden = client.get(f"/v1/tasks/{task_id}", headers=tech)
        assert hidden.status_code == 404, hidden.text
        assert hidden.headers["content-type"] == "application/problem+json"

    orders_listed = client.get("/v1/work_orders", headers=tech).json()["items"]
    assert [w["id"] for w in orders_listed] == [first["id"]]
    assert "customer_name" not in orders_listed[0]  # technicians read work orders without customer contact
    detail = client.get(f"/v1/work_orders/{first['id']}", headers=tech)
    assert detail.status_code == 200
    assert [t["id"] for t in detail.json()["tasks"]] == [mine]
    assert client.get(f"/v1/work_orders/{second['id']}", headers=tech).status_code == 404

    # a dispatcher sees everything
    staff_tasks = client.get("/v1/tasks", headers=as_user(DISPATCHER)).json()["items"]
    assert len(staff_tasks) == 4


def test_tech_updates_status_of_own_task_only(client, as_user, orders):
    first, _ = orders
    mine, theirs = first["task_ids"]["inspect"], first["task_ids"]["pads"]
    tech = as_user(TECH_ANA, **{"If-Match": '"1"'})

    started = client.patch(f"/v1/tasks/{mine}", json={"status": "in_progress", "notes": "pads at 2mm"}, headers=tech)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress" and started.headers["ETag"] == '"2"'

    assert client.patch(f"/v1/tasks/{theirs}", json={"status": "done"}, headers=tech).status_code == 404
    moved = client.patch(f"/v1/tasks/{mine}", json={"duration_minutes": 5},
                         headers=as_user(TECH_ANA, **{"If-Match": '"2"'}))
    assert moved.status_code == 403
    assert moved.json()["detail"] == ("technicians may change only status, notes and blocked_reason of their tasks, "
                                      "not duration_minutes")
    assert moved.json()["errors"] == [{"field": "duration_minutes", "message": "your role may not change it"}]
    # every refused field is named, not only the first
    renamed = client.patch(f"/v1/tasks/{mine}", json={"name": "Pads", "position": 7},
                           headers=as_user(TECH_ANA, **{"If-Match": '"2"'}))
    assert renamed.status_code == 403
    assert renamed.json()["errors"] == [{"field": "name", "message": "your role may not change it"},
                                        {"field": "position", "message": "your role may not change it"}]
    assert client.post("/v1/work_orders", json=BRAKE_JOB, headers=as_user(TECH_ANA)).status_code == 403
    assert client.delete(f"/v1/tasks/{mine}", headers=as_user(TECH_ANA)).status_code == 403


def test_me_and_resources_for_a_tech(client, as_user):
    me = client.get("/v1/me", headers=as_user(TECH_ANA)).json()
    assert me["role"] == "tech" and me["technician_id"] == str(TECHNICIAN_ANA)
    technicians = client.get("/v1/technicians", headers=as_user(TECH_ANA)).json()["items"]
    assert [t["id"] for t in technicians] == [str(TECHNICIAN_ANA)]
    assert client.get(f"/v1/technicians/{TECHNICIAN_BEN}", headers=as_user(TECH_ANA)).status_code == 404
    assert len(client.get("/v1/technicians", headers=as_user(DISPATCHER)).json()["items"]) == 2


def test_staff_manage_bays_technicians_and_calendar(client, as_user):
    staff = as_user(DISPATCHER)
    bay = client.post("/v1/bays", json={"name": "Lift 1", "bay_type": "lift", "capabilities": ["alignment"]},
                      headers=staff)
    assert bay.status_code == 201, bay.text
    duplicate = client.post("/v1/bays", json={"name": "Lift 1", "bay_type": "lift"}, headers=staff)
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "name"
    renamed = client.patch(f"/v1/bays/{bay.json()['id']}", json={"name": "Lift A"},
                           headers=as_user(DISPATCHER, **{"If-Match": bay.headers["ETag"]}))
    assert renamed.status_code == 200 and renamed.json()["version"] == 2

    shift = {"kind": "shift", "technician_id": str(TECHNICIAN_ANA),
             "starts_at": "2026-12-01T08:00:00Z", "ends_at": "2026-12-01T16:00:00Z",
             "recurrence": "weekdays", "recurrence_until": "2026-12-31"}
    created = client.post("/v1/calendar_events", json=shift, headers=staff)
    assert created.status_code == 201, created.text
    backwards = client.post("/v1/calendar_events", json={**shift, "ends_at": "2026-12-01T07:00:00Z"}, headers=staff)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "ends_at"
    naive = client.post("/v1/calendar_events", json={**shift, "starts_at": "2026-12-01T08:00:00"}, headers=staff)
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "starts_at"
    tech_view = client.get("/v1/calendar_events", headers=as_user(TECH_ANA)).json()["items"]
    assert [e["id"] for e in tech_view] == [created.json()["id"]]
    assert client.delete(f"/v1/bays/{bay.json()['id']}", headers=staff).status_code == 204
    assert client.get(f"/v1/bays/{bay.json()['id']}", headers=staff).status_code == 404


def test_api_connection_outside_a_request_transaction_fails_closed(api_settings):
    """The API's pooled connections act as `bayflow_api`, which has no table rights of its own."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from api.db import create_engine

    async def query():
        engine = create_engine(api_settings)
        try:
            async with engine.connect() as conn:
                assert (await conn.execute(text("select current_user"))).scalar() == "bayflow_api"
                with pytest.raises(DBAPIError, match="permission denied"):
                    await conn.execute(text("select count(*) from public.tasks"))
        finally:
            await engine.dispose()

    asyncio.run(query())
