"""POST /v1/schedule_runs asks for a (coalesced) run now; GET /v1/schedule_runs/{id}/diff says what a run
changed against the run before it."""
import json
import uuid

import psycopg
import pytest

from tests.support.board_shop import seed_board_shop
from tests.support.shop import DISPATCHER, LIFT_1, LIFT_2, TECH_ANA, TECHNICIAN_ANA, TECHNICIAN_BEN
from tests.support.sql import query, scalar


@pytest.fixture
def shop(shop_db):
    with psycopg.connect(shop_db) as conn:
        return seed_board_shop(conn)


def test_re_optimize_now_starts_a_run_whose_schedule_step_is_coalesced(client, as_user, shop_db):
    first = client.post("/v1/schedule_runs", json={"scope": "full"}, headers=as_user(DISPATCHER))
    assert first.status_code == 202, first.text
    run_id = first.json()["pipeline_run_id"]
    followed = client.get(f"/v1/pipeline_runs/{run_id}", headers=as_user(DISPATCHER)).json()
    assert (followed["kind"], followed["step"], followed["status"]) == ("reschedule", "schedule", "queued")
    assert followed["triggered_by"] == f"full re-optimization requested by {DISPATCHER}"
    second = client.post("/v1/schedule_runs", json={}, headers=as_user(DISPATCHER))  # scope: partial
    assert second.status_code == 202
    assert scalar(shop_db, "select count(*) from public.pipeline_runs") == 2
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'schedule_shop'") == 1

    bad = client.post("/v1/schedule_runs", json={"scope": "everything"}, headers=as_user(DISPATCHER))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scope"
    assert client.post("/v1/schedule_runs", json={}, headers=as_user(TECH_ANA)).status_code == 403


def _run(conn, created_at: str, items) -> uuid.UUID:
    run = uuid.uuid4()
    conn.execute(
        "insert into public.schedule_runs (id, status, objective_value, solve_seconds, solver_parameters, input_hash,"
        " triggered_by, horizon_start, horizon_end, created_at) values (%s, 'optimal', 1, 0.1, '{}', %s, 'test',"
        " now(), now() + interval '7 days', %s)", (run, "0" * 64, created_at))
    for task, tech, bay, start, why in items:
        conn.execute("insert into public.schedule_items (run_id, task_id, technician_id, bay_id, starts_at, ends_at,"
                     " why) values (%s, %s, %s, %s, %s, %s::timestamptz + interval '1 hour', %s)",
                     (run, task, tech, bay, start, start, json.dumps(why)))
    return run


def test_a_runs_diff_lists_moved_newly_placed_and_unplaced_tasks(client, as_user, shop, shop_db):
    with psycopg.connect(shop_db) as conn:
        first = _run(conn, "2026-12-01 10:00Z", [
            (shop.inspect, TECHNICIAN_ANA, LIFT_1, shop.at(8), ["earliest start"]),
            (shop.pads, TECHNICIAN_ANA, LIFT_1, shop.at(9), ["after 'Inspect brakes'"]),
            (shop.oil, None, None, None, ["no technician free"])])
        second = _run(conn, "2026-12-01 11:00Z", [
            (shop.inspect, TECHNICIAN_ANA, LIFT_1, shop.at(8), ["earliest start"]),
            (shop.pads, TECHNICIAN_BEN, LIFT_2, shop.at(10), ["pushed by 'Inspect brakes' running over"]),
            (shop.oil, TECHNICIAN_ANA, None, shop.at(12), ["freed by Ben's move"])])
    response = client.get(f"/v1/schedule_runs/{second}/diff", headers=as_user(DISPATCHER))
    assert response.status_code == 200, response.text
    diff = response.json()
    assert (diff["run_id"], diff["previous_run_id"]) == (str(second), str(first))
    (moved,) = diff["moved"]
    assert (moved["task_name"], moved["from"]["technician_id"], moved["to"]["technician_id"]) == (
        "Replace pads", str(TECHNICIAN_ANA), str(TECHNICIAN_BEN))
    assert moved["from"]["starts_at"].startswith(shop.at(9).isoformat()[:16])
    assert moved["why"] == ["pushed by 'Inspect brakes' running over"] and moved["work_order_number"] >= 1
    assert [(t["task_name"], t["why"]) for t in diff["newly_placed"]] == [("Oil change", ["freed by Ben's move"])]
    assert diff["unplaced"] == []

    oldest = client.get(f"/v1/schedule_runs/{first}/diff", headers=as_user(DISPATCHER)).json()
    assert oldest["previous_run_id"] is None and oldest["moved"] == []
    assert [t["task_name"] for t in oldest["newly_placed"]] == ["Inspect brakes", "Replace pads"]
    assert [(t["task_name"], t["why"]) for t in oldest["unplaced"]] == [("Oil change", ["no technician free"])]
    missing = client.get(f"/v1/schedule_runs/{uuid.uuid4()}/diff", headers=as_user(DISPATCHER))
    assert missing.status_code == 404
    assert query(shop_db, "select count(*) from public.schedule_runs") == [(2,)]
