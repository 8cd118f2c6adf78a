"""POST /v1/schedule/what-if and /v1/schedule/moves: a move is judged by the what-if, refused with its
reasons (nothing written) unless forced, and otherwise written with its locks, announced as
`task.moved` and followed by a (coalesced) reschedule run in the same transaction."""
from datetime import timedelta

import psycopg
import pytest

from tests.support.board_shop import TECHNICIAN_C, seed_board_shop
from tests.support.shop import DISPATCHER, LIFT_1, LIFT_2, TECH_ANA, TECH_BEN, TECHNICIAN_ANA, TECHNICIAN_BEN
from tests.support.sql import query, scalar


@pytest.fixture
def shop(shop_db):
    with psycopg.connect(shop_db) as conn:
        return seed_board_shop(conn)


def task_row(db, task_id):
    return query(db, "select assigned_technician_id, bay_id, planned_start, planned_end, lock_start, lock_technician,"
                     " lock_bay, status, version from public.tasks where id = %s", (task_id,))[0]


def written(db) -> dict:
    """What a move writes besides the task."""
    return {t: scalar(db, f"select count(*) from public.{t}")
            for t in ("events", "notifications", "pipeline_runs", "job_queue")}


def test_what_if_on_a_technician_without_the_skill_names_the_skill_and_writes_nothing(client, as_user, shop, shop_db):
    before, counts = task_row(shop_db, shop.pads), written(shop_db)
    response = client.post("/v1/schedule/what-if", headers=as_user(DISPATCHER),
                           json={"task_id": str(shop.pads), "technician_id": str(TECHNICIAN_C)})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["feasible"] is False
    assert {"kind": "skill", "message": "Cy lacks skill 'brakes'", "field": "technician_id"} in answer["violations"]
    assert answer["placement"]["technician_id"] == str(TECHNICIAN_C)
    # the nearest feasible slots are on technicians with the skill
    assert answer["nearest"]
    assert {s["technician_id"] for s in answer["nearest"]} <= {str(TECHNICIAN_ANA), str(TECHNICIAN_BEN)}
    assert all(s["technician_name"] in ("Ana", "Ben") for s in answer["nearest"])
    assert task_row(shop_db, shop.pads) == before and written(shop_db) == counts


def test_what_if_of_a_forced_overlap_lists_the_pushed_tasks_and_lateness(client, as_user, shop):
    response = client.post("/v1/schedule/what-if", headers=as_user(DISPATCHER), json={
        "task_id": str(shop.oil), "technician_id": str(TECHNICIAN_ANA), "start": shop.at(8.5).isoformat()})
    answer = response.json()
    assert answer["feasible"] is False and {v["kind"] for v in answer["violations"]} == {"overlap"}
    assert [(p["task_name"], p["minutes"]) for p in answer["pushed"]] == [("Inspect brakes", 75), ("Replace pads", 75)]
    brakes = next(x for x in answer["lateness"] if x["work_order_id"] == str(shop.wo_brakes))
    assert (brakes["before_minutes"], brakes["after_minutes"]) == (0, 0)  # due 14:00, now ends 11:45
    assert brakes["work_order_number"] >= 1
    ana = [s for s in answer["nearest"] if s["technician_id"] == str(TECHNICIAN_ANA)]
    assert ana[0]["start"].startswith(shop.at(10.5).isoformat()[:16])  # after 'Replace pads'


@pytest.mark.parametrize("body, field", [
    ({}, "body"),
    ({"technician_id": "00000000-0000-4000-c000-0000000000ff"}, "technician_id"),
    ({"start": "2026-12-08T09:00:00"}, "start"),
])
def test_bad_proposals_are_422_naming_the_field(client, as_user, shop, body, field):
    response = client.post("/v1/schedule/what-if", headers=as_user(DISPATCHER),
                           json={"task_id": str(shop.pads), **body})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_an_unplaced_task_needs_a_start_and_technicians_may_not_ask(client, as_user, shop):
    unplaced = client.post("/v1/schedule/what-if", headers=as_user(DISPATCHER),
                           json={"task_id": str(shop.oil), "technician_id": str(TECHNICIAN_C)})
    assert unplaced.status_code == 422 and unplaced.json()["errors"][0]["field"] == "start"
    tech = client.post("/v1/schedule/what-if", headers=as_user(TECH_ANA),
                       json={"task_id": str(shop.pads), "technician_id": str(TECHNICIAN_BEN)})
    assert tech.status_code == 403


def test_a_feasible_move_is_applied_locked_announced_and_rescheduled(client, as_user, shop, shop_db):
    response = client.post("/v1/schedule/moves", headers=as_user(DISPATCHER, **{"If-Match": '"1"'}), json={
        "task_id": str(shop.pads), "technician_id": str(TECHNICIAN_BEN), "start": shop.at(11).isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["what_if"]["feasible"] is True and response.headers["ETag"] == '"2"'
    task = body["task"]
    assert (task["assigned_technician_id"], task["bay_id"]) == (str(TECHNICIAN_BEN), str(LIFT_1))
    assert (task["lock_start"], task["lock_technician"], task["lock_bay"]) == (True, True, False)
    tech, bay, start, end, *locks, status, version = task_row(shop_db, shop.pads)
    assert (tech, bay, start, end) == (TECHNICIAN_BEN, LIFT_1, shop.at(11), shop.at(12.5))
    assert locks == [True, True, False] and (status, version) == ("scheduled", 2)

    # The move is a change a partial re-optimization answers, in the reschedule run already waiting (the
    # shop's seeding changed the calendar) or a new one.
    run = query(shop_db, "select kind, step, status from public.pipeline_runs where id = %s",
                (body["pipeline_run_id"],))
    assert run == [("reschedule", "schedule", "queued")]
    (scope, tasks, technicians), = query(shop_db, "select scope, task_ids::text[], technician_ids::text[]"
                                                   " from public.schedule_changes where kind = 'move'")
    assert (scope, tasks, sorted(technicians)) == \
        ("partial", [str(shop.pads)], sorted([str(TECHNICIAN_ANA), str(TECHNICIAN_BEN)]))
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'schedule_shop'"
                           " and status = 'queued'") == 1
    (event_type, payload, audience), = query(shop_db, "select type, payload, audience from public.events")
    assert event_type == "task.moved"
    assert payload["from"]["technician_id"] == str(TECHNICIAN_ANA)
    assert payload["to"]["technician_id"] == str(TECHNICIAN_BEN)
    assert payload["to"]["lock"] == ["start", "technician"] and payload["by"] == str(DISPATCHER)
    assert sorted(audience) == sorted([TECH_ANA, TECH_BEN])  # both technicians' days changed
    assert scalar(shop_db, "select count(*) from public.notifications") == 2
    actor = scalar(shop_db, "select actor from public.audit_log where table_name = 'tasks' order by id desc limit 1")
    assert str(DISPATCHER) in str(actor)

    # Undo: a move back to where it was, with the locks it had (none).
    undo = client.post("/v1/schedule/moves", headers=as_user(DISPATCHER), json={
        "task_id": str(shop.pads), "technician_id": str(TECHNICIAN_ANA), "bay_id": str(LIFT_1),
        "start": shop.at(9).isoformat(), "lock": []})
    assert undo.status_code == 200, undo.text
    assert task_row(shop_db, shop.pads)[:7] == (TECHNICIAN_ANA, LIFT_1, shop.at(9), shop.at(10.5), False, False, False)
    # the second move's reschedule joined the first one's waiting job
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'schedule_shop'") == 1
    assert scalar(shop_db, "select count(*) from public.pipeline_runs") == 1  # one run answers both moves
    assert scalar(shop_db, "select count(*) from public.schedule_changes where kind = 'move'") == 2


def test_an_infeasible_move_is_refused_with_reasons_and_nothing_is_written(client, as_user, shop, shop_db):
    before, counts = task_row(shop_db, shop.pads), written(shop_db)
    response = client.post("/v1/schedule/moves", headers=as_user(DISPATCHER), json={
        "task_id": str(shop.pads), "technician_id": str(TECHNICIAN_C), "start": shop.at(3).isoformat()})
    assert response.status_code == 409, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["title"] == "Move not feasible"
    kinds = {(e["kind"], e["field"]) for e in problem["errors"]}
    assert ("skill", "technician_id") in kinds and ("shift", "start") in kinds  # 03:00 is outside Cy's shift
    assert "Cy lacks skill 'brakes'" in problem["detail"]
    assert task_row(shop_db, shop.pads) == before and written(shop_db) == counts


def test_a_forced_move_is_written_and_a_stale_one_refused(client, as_user, shop, shop_db):
    stale = client.post("/v1/schedule/moves", headers=as_user(DISPATCHER, **{"If-Match": '"7"'}), json={
        "task_id": str(shop.pads), "technician_id": str(TECHNICIAN_BEN)})
    assert stale.status_code == 409 and stale.headers["ETag"] == '"1"'
    forced = client.post("/v1/schedule/moves", headers=as_user(DISPATCHER), json={
        "task_id": str(shop.pads), "bay_id": str(LIFT_2), "start": shop.at(8.5).isoformat(), "force": True,
        "lock": ["start", "bay"]})
    assert forced.status_code == 200, forced.text
    assert forced.json()["what_if"]["feasible"] is False  # it starts before 'Inspect brakes' ends
    # Ana is busy with 'Inspect brakes' then, so the unlocked technician became Ben, who is free
    assert task_row(shop_db, shop.pads)[:7] == (TECHNICIAN_BEN, LIFT_2, shop.at(8.5), shop.at(10), True, False, True)
    assert query(shop_db, "select payload->>'forced' from public.events") == [("true",)]
    no_bay = client.post("/v1/schedule/moves", headers=as_user(DISPATCHER), json={
        "task_id": str(shop.oil), "technician_id": str(TECHNICIAN_C), "start": shop.at(12).isoformat(),
        "lock": ["bay"]})
    assert no_bay.status_code == 422, no_bay.text
    assert no_bay.json()["errors"][0]["field"] == "lock"


def test_a_patch_that_moves_a_task_is_judged_like_a_move(client, as_user, shop, shop_db):
    """#17: a brakes task put on a technician without the skill at 03:00 was accepted with 200."""
    sunday_3am = shop.at((6 - shop.day.weekday()) * 24 + 3)  # the first Sunday from tomorrow, 03:00
    before, counts = task_row(shop_db, shop.pads), written(shop_db)
    body = {"assigned_technician_id": str(TECHNICIAN_C), "planned_start": sunday_3am.isoformat(),
            "planned_end": (sunday_3am + timedelta(minutes=90)).isoformat()}
    refused = client.patch(f"/v1/tasks/{shop.pads}", json=body, headers=as_user(DISPATCHER, **{"If-Match": '"1"'}))
    assert refused.status_code == 409, refused.text
    assert {(e["kind"], e["field"]) for e in refused.json()["errors"]} >= {("skill", "technician_id"),
                                                                          ("shift", "start")}
    assert task_row(shop_db, shop.pads) == before and written(shop_db) == counts

    forced = client.patch(f"/v1/tasks/{shop.pads}", json={**body, "force": True},
                          headers=as_user(DISPATCHER, **{"If-Match": '"1"'}))
    assert forced.status_code == 200, forced.text
    assert task_row(shop_db, shop.pads)[:3] == (TECHNICIAN_C, LIFT_1, sunday_3am)
    assert query(shop_db, "select type, payload->>'forced' from public.events") == [("task.moved", "true")]

    # a feasible one goes through, and edits that do not move the task are not judged
    fine = client.patch(f"/v1/tasks/{shop.inspect}", json={"assigned_technician_id": str(TECHNICIAN_C)},
                        headers=as_user(DISPATCHER, **{"If-Match": '"1"'}))
    assert fine.status_code == 200, fine.text
    renamed = client.patch(f"/v1/tasks/{shop.pads}", json={"notes": "customer waits"},
                           headers=as_user(DISPATCHER, **{"If-Match": '"2"'}))
    assert renamed.status_code == 200
    assert scalar(shop_db, "select count(*) from public.events") == 2


def test_the_what_if_sees_every_change_since_the_last_one(client, as_user, shop, shop_db):
    """The loaded shop is reused between what-ifs only while nothing it is built from changed."""
    def ask():
        return client.post("/v1/schedule/what-if", headers=as_user(DISPATCHER), json={
            "task_id": str(shop.oil), "technician_id": str(TECHNICIAN_C), "start": shop.at(12).isoformat()}).json()

    assert ask()["feasible"] is True
    assert ask()["feasible"] is True  # the same shop again
    with psycopg.connect(shop_db) as conn:  # written behind the API's back: Cy is off 11:00-13:00
        event = conn.execute("insert into public.calendar_events (kind, technician_id, starts_at, ends_at)"
                             " values ('time_off', %s, %s, %s) returning id",
                             (TECHNICIAN_C, shop.at(11), shop.at(13))).fetchone()[0]
    assert [v["kind"] for v in ask()["violations"]] == ["time_off"]
    with psycopg.connect(shop_db) as conn:
        conn.execute("delete from public.calendar_events where id = %s", (event,))
        conn.execute("update public.tasks set assigned_technician_id = %s, planned_start = %s, planned_end = %s"
                     " where id = %s", (TECHNICIAN_C, shop.at(12), shop.at(13), shop.inspect))
    assert [v["kind"] for v in ask()["violations"]] == ["overlap"]
    with psycopg.connect(shop_db) as conn:
        conn.execute("update public.technicians set skills = '{}' where id = %s", (TECHNICIAN_C,))
        conn.execute("update public.tasks set required_skill = 'general' where id = %s", (shop.oil,))
    assert {v["kind"] for v in ask()["violations"]} == {"overlap", "skill"}


def test_a_move_is_delivered_to_webhook_subscribers(client, as_user, shop, shop_db):
    with psycopg.connect(shop_db) as conn:
        conn.execute("insert into public.webhook_subscriptions (url, event_types) values"
                     " ('http://127.0.0.1:9/moves', '{task.moved}'),"
                     " ('http://127.0.0.1:9/other', '{schedule.published}')")
    moved = client.post("/v1/schedule/moves", headers=as_user(DISPATCHER), json={
        "task_id": str(shop.pads), "technician_id": str(TECHNICIAN_BEN), "start": shop.at(11).isoformat()})
    assert moved.status_code == 200, moved.text
    (event_id,), = query(shop_db, "select id from public.events")
    (delivery_id, event_type, payload), = query(
        shop_db, "select id, event_type, payload from public.webhook_deliveries where event_id = %s", (str(event_id),))
    assert event_type == "task.moved" and payload["task_id"] == str(shop.pads)
    assert payload["to"]["technician_id"] == str(TECHNICIAN_BEN)
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'deliver_webhook'"
                           " and message->'args'->>0 = %s", (str(delivery_id),)) == 1


def test_tasks_that_are_not_planned_any_more_cannot_move(client, as_user, shop, shop_db):
    with psycopg.connect(shop_db) as conn:
        conn.execute("update public.tasks set status = 'done' where id = %s", (shop.inspect,))
        conn.execute("update public.work_orders set status = 'cancelled' where id = %s", (shop.wo_oil,))
    done = client.post("/v1/schedule/what-if", headers=as_user(DISPATCHER),
                       json={"task_id": str(shop.inspect), "technician_id": str(TECHNICIAN_BEN)})
    assert done.status_code == 409 and done.json()["errors"] == [{"field": "task_id", "message": "the task is done"}]
    closed = client.post("/v1/schedule/moves", headers=as_user(DISPATCHER), json={
        "task_id": str(shop.oil), "technician_id": str(TECHNICIAN_BEN), "start": shop.at(12).isoformat()})
    assert closed.status_code == 409 and "its work order is closed" in closed.json()["detail"]
    assert client.post("/v1/schedule/what-if", headers=as_user(DISPATCHER), json={
        "task_id": "00000000-0000-4000-e000-000000000000", "start": shop.at(12).isoformat()}).status_code == 404
