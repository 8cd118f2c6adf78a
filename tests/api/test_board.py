"""GET /v1/board: one response with everything the board draws for a range."""
import psycopg
import pytest

from tests.support.board_shop import TECHNICIAN_C, seed_board_shop
from tests.support.shop import DISPATCHER, LIFT_1, TECH_ANA, TECHNICIAN_ANA


@pytest.fixture
def shop(shop_db):
    with psycopg.connect(shop_db) as conn:
        return seed_board_shop(conn)


def test_the_board_of_two_days(client, as_user, shop):
    params = {"from": shop.at(0).isoformat(), "to": shop.at(48).isoformat()}
    response = client.get("/v1/board", params=params, headers=as_user(DISPATCHER))
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["shop"] == {"name": "bayflow shop", "timezone": "UTC"}
    assert board["range"]["from"].startswith(shop.at(0).date().isoformat())
    cy = next(t for t in board["technicians"] if t["id"] == str(TECHNICIAN_C))
    assert cy["skills"] == ["general"] and cy["time_off"] == []
    # the daily shift expanded: tomorrow and the day after, 08:00-16:00
    assert [(s["start"][:16], s["end"][:16]) for s in cy["shifts"]] == [
        (shop.at(8).isoformat()[:16], shop.at(16).isoformat()[:16]),
        (shop.at(32).isoformat()[:16], shop.at(40).isoformat()[:16])]
    assert {b["name"] for b in board["bays"]} == {"Lift 1", "Lift 2"}

    tasks = {t["name"]: t for t in board["tasks"]}
    assert list(tasks) == ["Inspect brakes", "Replace pads", "Oil change"]  # placed by start, then unplaced
    pads = tasks["Replace pads"]
    assert (pads["technician_id"], pads["bay_id"], pads["required_skill"]) == \
        (str(TECHNICIAN_ANA), str(LIFT_1), "brakes")
    assert pads["depends_on"] == [str(shop.inspect)] and pads["version"] == 1
    assert tasks["Oil change"]["planned_start"] is None
    orders = {w["id"]: w for w in board["work_orders"]}
    brakes = orders[str(shop.wo_brakes)]
    assert brakes["asset"] == {"kind": "vehicle", "make": "Toyota", "model": "Corolla", "year": None,
                               "plate": "KA-123", "vin": None}
    assert brakes["late_minutes"] == 0 and brakes["number"] >= 1
    assert board["latest_run"] is None

    # a range that misses the plan still lists the unplaced task
    early = client.get("/v1/board", params={"from": shop.at(-48).isoformat(), "to": shop.at(-24).isoformat()},
                       headers=as_user(DISPATCHER)).json()
    assert [t["name"] for t in early["tasks"]] == ["Oil change"]


def test_late_work_orders_and_bad_ranges(client, as_user, shop, shop_db):
    with psycopg.connect(shop_db) as conn:  # due 10:00, its last task ends 10:30
        conn.execute("update public.work_orders set due_at = %s where id = %s", (shop.at(10), shop.wo_brakes))
    board = client.get("/v1/board", params={"from": shop.at(0).isoformat(), "to": shop.at(24).isoformat()},
                       headers=as_user(DISPATCHER)).json()
    assert next(w for w in board["work_orders"] if w["id"] == str(shop.wo_brakes))["late_minutes"] == 30
    with psycopg.connect(shop_db) as conn:  # paused work still ends at its planned end
        conn.execute("update public.tasks set status = 'paused' where id = %s", (shop.pads,))
    board = client.get("/v1/board", params={"from": shop.at(0).isoformat(), "to": shop.at(24).isoformat()},
                       headers=as_user(DISPATCHER)).json()
    assert next(w for w in board["work_orders"] if w["id"] == str(shop.wo_brakes))["late_minutes"] == 30

    backwards = client.get("/v1/board", params={"from": shop.at(24).isoformat(), "to": shop.at(0).isoformat()},
                           headers=as_user(DISPATCHER))
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "to"
    naive = client.get("/v1/board", params={"from": "2026-12-08T00:00:00", "to": shop.at(24).isoformat()},
                       headers=as_user(DISPATCHER))
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "from"
    tech = client.get("/v1/board", params={"from": shop.at(0).isoformat(), "to": shop.at(24).isoformat()},
                      headers=as_user(TECH_ANA))
    assert tech.status_code == 403
