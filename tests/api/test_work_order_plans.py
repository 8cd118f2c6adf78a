"""PUT /v1/work_orders/{id}/plan: the dispatcher's approved plan replaces the tasks in one transaction
and sends the work order on to scheduling; started work is never thrown away."""
import psycopg
import pytest

from tests.support.board_shop import seed_board_shop
from tests.support.shop import DISPATCHER, TECH_ANA
from tests.support.sql import query, scalar

PLAN = {"tasks": [
    {"key": "diag", "name": "Diagnose noise", "duration_minutes": 30, "required_skill": "brakes"},
    {"key": "pads", "name": "Replace pads", "duration_minutes": 90, "required_skill": "brakes",
     "required_bay_type": "lift", "needs_parts": True, "parts_ready_at": "2026-12-09T10:00:00Z",
     "depends_on": ["diag"]},
]}


@pytest.fixture
def shop(shop_db):
    with psycopg.connect(shop_db) as conn:
        shop = seed_board_shop(conn)
        conn.execute("update public.work_orders set status = 'needs_review', review_reasons = %s where id = %s",
                     ('["the plan named no skill"]', shop.wo_brakes))
        return shop


def test_an_approved_plan_replaces_the_tasks_and_is_scheduled(client, as_user, shop, shop_db):
    response = client.put(f"/v1/work_orders/{shop.wo_brakes}/plan", json=PLAN, headers=as_user(DISPATCHER))
    assert response.status_code == 200, response.text
    order = response.json()
    assert (order["status"], order["plan_source"], order["review_reasons"]) == ("planned", "dispatcher", None)
    assert [t["name"] for t in order["tasks"]] == ["Diagnose noise", "Replace pads"]
    diag, pads = order["tasks"]
    assert pads["depends_on"] == [diag["id"]] and pads["needs_parts"] and pads["required_bay_type"] == "lift"
    assert response.headers["ETag"] == f'"{order["version"]}"'
    assert scalar(shop_db, "select count(*) from public.tasks where id = any(%s)", ([shop.inspect, shop.pads],)) == 0
    run = query(shop_db, "select kind, work_order_id, step, status from public.pipeline_runs")
    assert run == [("work_order", shop.wo_brakes, "schedule", "queued")]
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'schedule_shop'") == 1


@pytest.mark.parametrize("tasks, field", [
    ([], "tasks"),
    ([{"key": "a", "name": "A", "duration_minutes": 10, "depends_on": ["b"]}], "tasks[0].depends_on[0]"),
    ([{"key": "a", "name": "A", "duration_minutes": 10, "parts_ready_at": "2026-12-09T10:00:00Z"}],
     "tasks[0].parts_ready_at"),
    ([{"key": "a", "name": "A", "duration_minutes": 0}], "tasks[0].duration_minutes"),
])
def test_a_bad_plan_is_422_and_writes_nothing(client, as_user, shop, shop_db, tasks, field):
    before = query(shop_db, "select id, version from public.tasks order by id")
    response = client.put(f"/v1/work_orders/{shop.wo_brakes}/plan", json={"tasks": tasks}, headers=as_user(DISPATCHER))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert query(shop_db, "select id, version from public.tasks order by id") == before


def test_started_work_refuses_a_new_plan(client, as_user, shop, shop_db):
    with psycopg.connect(shop_db) as conn:
        conn.execute("update public.tasks set status = 'in_progress' where id = %s", (shop.inspect,))
    response = client.put(f"/v1/work_orders/{shop.wo_brakes}/plan", json=PLAN, headers=as_user(DISPATCHER))
    assert response.status_code == 409, response.text
    assert "1 task(s) in progress" in response.json()["detail"]
    assert scalar(shop_db, "select count(*) from public.tasks where work_order_id = %s", (shop.wo_brakes,)) == 2
    assert scalar(shop_db, "select count(*) from public.pipeline_runs") == 0
    assert client.put(f"/v1/work_orders/{shop.wo_brakes}/plan", json=PLAN, headers=as_user(TECH_ANA)).status_code == 403
