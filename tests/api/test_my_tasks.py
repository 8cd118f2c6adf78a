"""A technician's day (GET /v1/me/tasks): their tasks in order with vehicle, bay, parts, what each
waits on, why it is scheduled there and the work order's other tasks; what a dispatcher moved,
reassigned or added since their last look is marked and summed up for a banner."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.api.test_work_orders import BRAKE_JOB, create
from tests.support.shop import DISPATCHER, TECH_ANA, TECH_BEN, TECHNICIAN_ANA
from tests.support.sql import query, scalar

ZONE = ZoneInfo("America/New_York")


def at(day: date, clock: str) -> str:
    return datetime.combine(day, time.fromisoformat(clock), ZONE).isoformat()


def plan(client, as_user, task_id, day, start, end, **fields):
    version = client.get(f"/v1/tasks/{task_id}", headers=as_user(DISPATCHER)).json()["version"]
    response = client.patch(f"/v1/tasks/{task_id}", headers=as_user(DISPATCHER, **{"If-Match": f'"{version}"'}), json={
        "planned_start": at(day, start), "planned_end": at(day, end), "force": True, **fields})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def day(shop_db) -> date:
    """The day after tomorrow in the shop's time zone (New York)."""
    query(shop_db, "update public.shop_settings set timezone = 'America/New_York'")
    return scalar(shop_db, "select (now() at time zone 'America/New_York')::date") + timedelta(days=2)


@pytest.fixture
def shop(client, as_user, shop_db, day):
    """Ana: 'Inspect brakes' at 08:00 in Lift 1, 'Road test' at 15:00 waiting on parts due 14:00 and on
    both other tasks; Ben: 'Replace front pads' at 11:00. The latest schedule run explains the inspection."""
    order = create(client, as_user).json()
    ids = order["task_ids"]
    bay = client.post("/v1/bays", json={"name": "Lift 1", "bay_type": "lift"}, headers=as_user(DISPATCHER)).json()
    plan(client, as_user, ids["inspect"], day, "08:00", "08:30", bay_id=bay["id"])
    plan(client, as_user, ids["pads"], day, "11:00", "12:30")
    plan(client, as_user, ids["test"], day, "15:00", "15:20", assigned_technician_id=str(TECHNICIAN_ANA),
         needs_parts=True, parts_ready_at=at(day, "14:00"))
    for created, why in [("now() - interval '1 hour'", ["an older reason"]),
                         ("now()", ["starts when the shop opens at 08:00", "Ana has the brakes skill"])]:
        run = scalar(shop_db, f"""insert into public.schedule_runs (status, solve_seconds, solver_parameters,
            input_hash, triggered_by, horizon_start, horizon_end, created_at)
            values ('timeout', 1, '{{}}', repeat('a', 64), 'test', now(), now() + interval '7 days', {created})
            returning id""")
        query(shop_db, "insert into public.schedule_items (run_id, task_id, technician_id, why)"
                       " values (%s, %s, %s, %s::jsonb)",
              (run, ids["inspect"], TECHNICIAN_ANA, f'{why}'.replace("'", '"')))
    return {"order": order, "ids": ids, "bay": bay}


def my_day(client, as_user, day, user=TECH_ANA, **params):
    response = client.get("/v1/me/tasks", params={"day": day.isoformat(), **params}, headers=as_user(user))
    assert response.status_code == 200, response.text
    return response.json()


def test_technician_sees_their_day_in_order_with_what_each_task_waits_on(client, as_user, shop, day):
    ids = shop["ids"]
    listed = my_day(client, as_user, day)
    assert (listed["day"], listed["timezone"]) == (day.isoformat(), "America/New_York")
    assert [t["name"] for t in listed["tasks"]] == ["Inspect brakes", "Road test"]
    inspect, road_test = listed["tasks"]

    assert inspect["bay"] == {"id": shop["bay"]["id"], "name": "Lift 1"}
    assert datetime.fromisoformat(inspect["planned_start"]) == datetime.fromisoformat(at(day, "08:00"))
    assert inspect["work_order"] == {
        "id": shop["order"]["id"], "number": shop["order"]["number"], "description": BRAKE_JOB["description"],
        "asset_make": "Toyota", "asset_model": "Corolla", "asset_year": 2017, "plate": None, "vin": None}
    assert inspect["why"] == ["starts when the shop opens at 08:00", "Ana has the brakes skill"]
    assert inspect["other_tasks"] == [{"id": ids["pads"], "name": "Replace front pads", "status": "pending"},
                                      {"id": ids["test"], "name": "Road test", "status": "pending"}]
    assert inspect["waits_on"] == [] and inspect["parts"] == {"needs_parts": False, "ready_at": None, "status": "none"}
    assert inspect["changed"] is None and inspect["version"] >= 1

    assert road_test["bay"] is None and road_test["why"] == []
    assert road_test["parts"]["status"] == "due"
    assert road_test["waits_on"] == ["after 'Inspect brakes'", "after 'Replace front pads'", "parts due 14:00"]
    assert listed["changes"] == []

    # the inspection done: the road test no longer waits for it; Ben sees only his task
    client.post(f"/v1/tasks/{ids['inspect']}/status", json={"status": "in_progress"}, headers=as_user(TECH_ANA))
    client.post(f"/v1/tasks/{ids['inspect']}/status", json={"status": "done"}, headers=as_user(TECH_ANA))
    road_test = my_day(client, as_user, day)["tasks"][1]
    assert road_test["waits_on"] == ["after 'Replace front pads'", "parts due 14:00"]
    assert [t["name"] for t in my_day(client, as_user, day, user=TECH_BEN)["tasks"]] == ["Replace front pads"]
    assert my_day(client, as_user, day + timedelta(days=1))["tasks"] == []


def test_moves_reassignments_and_new_tasks_since_the_last_look_are_marked(client, as_user, shop, day, shop_db):
    ids = shop["ids"]
    first = my_day(client, as_user, day)  # the first look records itself: nothing is "changed" yet
    assert first["changes"] == [] and all(t["changed"] is None for t in first["tasks"])

    plan(client, as_user, ids["inspect"], day, "09:30", "10:00")
    plan(client, as_user, ids["pads"], day, "11:00", "12:30", assigned_technician_id=str(TECHNICIAN_ANA))
    added = client.post("/v1/tasks", headers=as_user(DISPATCHER), json={
        "work_order_id": shop["order"]["id"], "name": "Check tyre pressure", "duration_minutes": 10,
        "assigned_technician_id": str(TECHNICIAN_ANA)}).json()
    plan(client, as_user, added["id"], day, "16:00", "16:10")

    looked = my_day(client, as_user, day, mark_seen="true")
    by_name = {t["name"]: t for t in looked["tasks"]}
    assert list(by_name) == ["Inspect brakes", "Replace front pads", "Road test", "Check tyre pressure"]
    moved, reassigned, new = by_name["Inspect brakes"], by_name["Replace front pads"], by_name["Check tyre pressure"]
    assert moved["changed"]["kind"] == "moved"
    assert datetime.fromisoformat(moved["changed"]["from"]["starts_at"]) == datetime.fromisoformat(at(day, "08:00"))
    assert moved["changed"]["from"]["technician"] == "Ana"
    assert reassigned["changed"]["kind"] == "reassigned" and reassigned["changed"]["from"]["technician"] == "Ben"
    assert new["changed"]["kind"] == "new" and new["changed"]["from"] is None
    assert by_name["Road test"]["changed"] is None
    assert looked["changes"] == [
        {"task_id": ids["inspect"], "kind": "moved", "message": "'Inspect brakes' moved from 08:00 to 09:30"},
        {"task_id": ids["pads"], "kind": "reassigned",
         "message": "'Replace front pads' was reassigned to you from Ben (11:00)"},
        {"task_id": added["id"], "kind": "new", "message": "'Check tyre pressure' is new on your list (16:00)"},
    ]
    audit_at = scalar(shop_db, "select max(occurred_at) from audit_log where row_id = %s", (added["id"],))
    assert datetime.fromisoformat(new["changed"]["at"]) == audit_at

    # marked as seen by that GET: the next look is quiet; a move back to where it was is no change
    assert my_day(client, as_user, day)["changes"] == []
    plan(client, as_user, ids["inspect"], day, "10:00", "10:30")
    plan(client, as_user, ids["inspect"], day, "09:30", "10:00")
    assert my_day(client, as_user, day)["changes"] == []


def test_seen_is_recorded_explicitly_and_never_moves_back(client, as_user, shop, day):
    my_day(client, as_user, day)
    plan(client, as_user, shop["ids"]["inspect"], day, "09:00", "09:30")
    shown = my_day(client, as_user, day)
    assert [c["kind"] for c in shown["changes"]] == ["moved"]
    plan(client, as_user, shop["ids"]["pads"], day, "11:00", "12:30", assigned_technician_id=str(TECHNICIAN_ANA))
    # the list shown is marked seen as of its answer: the reassignment made after it is still news
    seen = client.post("/v1/me/seen", json={"at": shown["as_of"]}, headers=as_user(TECH_ANA))
    assert seen.status_code == 200, seen.text
    assert datetime.fromisoformat(seen.json()["seen_at"]) == datetime.fromisoformat(shown["as_of"])
    assert [c["kind"] for c in my_day(client, as_user, day)["changes"]] == ["reassigned"]
    now = client.post("/v1/me/seen", json={}, headers=as_user(TECH_ANA))
    assert datetime.fromisoformat(now.json()["seen_at"]) > datetime.fromisoformat(shown["as_of"])
    assert my_day(client, as_user, day)["changes"] == []
    earlier = client.post("/v1/me/seen", json={"at": "2020-01-01T00:00:00Z"}, headers=as_user(TECH_ANA)).json()
    assert earlier["seen_at"] == now.json()["seen_at"]
    assert my_day(client, as_user, day)["changes"] == []
    bad = client.post("/v1/me/seen", json={"at": "yesterday"}, headers=as_user(TECH_ANA))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "at"


def test_today_is_the_default_and_keeps_unfinished_work_of_earlier_days(client, as_user, shop_db):
    query(shop_db, "update public.shop_settings set timezone = 'America/New_York'")
    today = scalar(shop_db, "select (now() at time zone 'America/New_York')::date")
    ids = create(client, as_user).json()["task_ids"]
    plan(client, as_user, ids["inspect"], today - timedelta(days=1), "08:00", "08:30")
    client.post(f"/v1/tasks/{ids['inspect']}/status", json={"status": "in_progress"}, headers=as_user(TECH_ANA))
    client.post(f"/v1/tasks/{ids['inspect']}/status", json={"status": "paused"}, headers=as_user(TECH_ANA))
    listed = client.get("/v1/me/tasks", headers=as_user(TECH_ANA)).json()
    assert listed["day"] == today.isoformat()
    assert [(t["name"], t["status"]) for t in listed["tasks"]] == [("Inspect brakes", "paused")]
    assert my_day(client, as_user, today - timedelta(days=1))["tasks"][0]["name"] == "Inspect brakes"
    assert my_day(client, as_user, today + timedelta(days=1))["tasks"] == []


def test_only_technicians_have_a_task_list(client, as_user):
    for path, method in [("/v1/me/tasks", "get"), ("/v1/me/seen", "post")]:
        response = getattr(client, method)(path, headers=as_user(DISPATCHER),
                                           **({"json": {}} if method == "post" else {}))
        assert response.status_code == 403 and "technicians" in response.json()["detail"]
    bad_day = client.get("/v1/me/tasks", params={"day": "2026-02-30"}, headers=as_user(TECH_ANA))
    assert bad_day.status_code == 422 and bad_day.json()["errors"][0]["field"] == "day"
