"""POST /v1/schedule_runs asks for a (coalesced) run now; GET /v1/schedule_runs/{id}/diff serves the diff a
run stored against the schedule it replaced."""
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


def test_re_optimize_now_records_the_request_and_joins_one_waiting_run(client, as_user, shop_db):
    first = client.post("/v1/schedule_runs", json={"scope": "full"}, headers=as_user(DISPATCHER))
    assert first.status_code == 202, first.text
    run_id = first.json()["pipeline_run_id"]
    followed = client.get(f"/v1/pipeline_runs/{run_id}", headers=as_user(DISPATCHER)).json()
    assert (followed["kind"], followed["step"], followed["status"]) == ("reschedule", "schedule", "queued")
    assert followed["triggered_by"] == f"full re-optimization requested by {DISPATCHER}"
    second = client.post("/v1/schedule_runs", json={}, headers=as_user(DISPATCHER))  # scope: partial
    assert second.status_code == 202 and second.json()["pipeline_run_id"] == run_id  # the same run answers both
    assert query(shop_db, "select scope, kind from public.schedule_changes where schedule_run_id is null"
                          " order by id") == [("full", "request"), ("partial", "request")]
    assert scalar(shop_db, "select count(*) from public.pipeline_runs") == 1
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'schedule_shop'") == 1

    bad = client.post("/v1/schedule_runs", json={"scope": "everything"}, headers=as_user(DISPATCHER))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scope"
    assert client.post("/v1/schedule_runs", json={}, headers=as_user(TECH_ANA)).status_code == 403
    assert scalar(shop_db, "select count(*) from public.schedule_changes") == 2


def _run(conn, created_at: str, moves) -> uuid.UUID:
    run = uuid.uuid4()
    conn.execute(
        "insert into public.schedule_runs (id, status, objective_value, solve_seconds, solver_parameters, input_hash,"
        " triggered_by, horizon_start, horizon_end, created_at, scope, changes) values (%s, 'optimal', 1, 0.1, '{}',"
        " %s, 'test', now(), now() + interval '7 days', %s, 'partial', %s)",
        (run, "0" * 64, created_at, json.dumps([{"kind": "task", "reason": "'Inspect brakes' running 60 min over"}])))
    for task, before, after, reason in moves:
        conn.execute("insert into public.schedule_run_moves (run_id, task_id, from_technician_id, from_bay_id,"
                     " from_starts_at, from_ends_at, to_technician_id, to_bay_id, to_starts_at, to_ends_at, reason)"
                     " values (%s, %s, %s, %s, %s, %s::timestamptz + interval '1 hour', %s, %s, %s,"
                     " %s::timestamptz + interval '1 hour', %s)",
                     (run, task, *before, before[2], *after, after[2], reason))
    return run


def test_a_runs_diff_lists_its_stored_moves_with_reasons(client, as_user, shop, shop_db):
    nowhere = (None, None, None)
    with psycopg.connect(shop_db) as conn:
        first = _run(conn, "2026-12-01 10:00Z", [])
        second = _run(conn, "2026-12-01 11:00Z", [
            (shop.pads, (TECHNICIAN_ANA, LIFT_1, shop.at(9)), (TECHNICIAN_BEN, LIFT_2, shop.at(10)),
             "pushed by 'Inspect brakes' running 60 min over"),
            (shop.oil, nowhere, (TECHNICIAN_ANA, None, shop.at(12)), "freed by Ben's time off"),
            (shop.inspect, (TECHNICIAN_ANA, LIFT_1, shop.at(8)), nowhere, "unplaced: waiting on parts")])
    response = client.get(f"/v1/schedule_runs/{second}/diff", headers=as_user(DISPATCHER))
    assert response.status_code == 200, response.text
    diff = response.json()
    assert (diff["run_id"], diff["previous_run_id"], diff["scope"]) == (str(second), str(first), "partial")
    assert diff["changes"] == ["'Inspect brakes' running 60 min over"]
    (moved,) = diff["moved"]
    assert (moved["task_name"], moved["from"]["technician_id"], moved["to"]["technician_id"]) == (
        "Replace pads", str(TECHNICIAN_ANA), str(TECHNICIAN_BEN))
    assert moved["from"]["starts_at"].startswith(shop.at(9).isoformat()[:16])
    assert moved["why"] == ["pushed by 'Inspect brakes' running 60 min over"] and moved["work_order_number"] >= 1
    assert [(t["task_name"], t["why"]) for t in diff["newly_placed"]] == \
        [("Oil change", ["freed by Ben's time off"])]
    assert [(t["task_name"], t["why"]) for t in diff["unplaced"]] == \
        [("Inspect brakes", ["unplaced: waiting on parts"])]

    oldest = client.get(f"/v1/schedule_runs/{first}/diff", headers=as_user(DISPATCHER)).json()
    assert oldest["previous_run_id"] is None
    assert (oldest["moved"], oldest["newly_placed"], oldest["unplaced"]) == ([], [], [])
    missing = client.get(f"/v1/schedule_runs/{uuid.uuid4()}/diff", headers=as_user(DISPATCHER))
    assert missing.status_code == 404
    assert query(shop_db, "select count(*) from public.schedule_runs") == [(2,)]
