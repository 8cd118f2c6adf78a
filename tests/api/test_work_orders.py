"""Dispatchers create work orders with their task graph; bad input writes nothing; versions and
idempotency keys protect against lost updates and double writes; the audit log names the actor."""
import uuid

import pytest

from tests.support.shop import DISPATCHER, TECH_ANA, TECHNICIAN_ANA, TECHNICIAN_BEN
from tests.support.sql import query, scalar

BRAKE_JOB = {
    "description": "Brake pads worn, grinding noise at the front",
    "customer_name": "Dana Kim",
    "asset_make": "Toyota", "asset_model": "Corolla", "asset_year": 2017,
    "priority": 4,
    "tasks": [
        {"key": "inspect", "name": "Inspect brakes", "duration_minutes": 30,
         "assigned_technician_id": str(TECHNICIAN_ANA)},
        {"key": "pads", "name": "Replace front pads", "duration_minutes": 90, "depends_on": ["inspect"],
         "required_skill": "brakes", "assigned_technician_id": str(TECHNICIAN_BEN)},
        {"key": "test", "name": "Road test", "duration_minutes": 20, "depends_on": ["pads", "inspect"]},
    ],
}

TABLES = ("work_orders", "tasks", "task_dependencies")


def counts(db_url):
    return {t: scalar(db_url, f"select count(*) from public.{t}") for t in TABLES}


def create(client, as_user, body=BRAKE_JOB, **headers):
    return client.post("/v1/work_orders", json=body, headers=as_user(DISPATCHER, **headers))


def test_dispatcher_creates_work_order_with_tasks_and_dependencies(client, as_user, shop_db):
    response = create(client, as_user)
    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/work_orders/{order['id']}"
    assert order["created_by"] == str(DISPATCHER) and order["status"] == "new"
    ids = order["task_ids"]
    by_id = {t["id"]: t for t in order["tasks"]}
    assert [t["name"] for t in order["tasks"]] == ["Inspect brakes", "Replace front pads", "Road test"]
    assert by_id[ids["pads"]]["depends_on"] == [ids["inspect"]]
    assert sorted(by_id[ids["test"]]["depends_on"]) == sorted([ids["pads"], ids["inspect"]])

    detail = client.get(f"/v1/work_orders/{order['id']}", headers=as_user(DISPATCHER)).json()
    assert {t["id"] for t in detail["tasks"]} == set(ids.values())
    assert counts(shop_db) == {"work_orders": 1, "tasks": 3, "task_dependencies": 3}

    # add and remove a dependency afterwards
    added = client.post(f"/v1/tasks/{ids['pads']}/dependencies", json={"depends_on_task_id": ids["inspect"]},
                        headers=as_user(DISPATCHER))
    assert added.status_code == 201
    removed = client.delete(f"/v1/tasks/{ids['test']}/dependencies/{ids['inspect']}", headers=as_user(DISPATCHER))
    assert removed.status_code == 204
    assert client.get(f"/v1/tasks/{ids['test']}", headers=as_user(DISPATCHER)).json()["depends_on"] == [ids["pads"]]
    again = client.delete(f"/v1/tasks/{ids['test']}/dependencies/{ids['inspect']}", headers=as_user(DISPATCHER))
    assert again.status_code == 404


def with_tasks(*tasks):
    return {**BRAKE_JOB, "tasks": list(tasks)}


TASK = {"key": "a", "name": "Inspect", "duration_minutes": 30}


@pytest.mark.parametrize("body, field, words", [
    ({**BRAKE_JOB, "priority": "urgent"}, "priority", "integer"),
    ({**BRAKE_JOB, "colour": "red"}, "colour", "unknown field"),
    (with_tasks({**TASK, "duration_minutes": -30}), "tasks[0].duration_minutes", "greater than or equal to 1"),
    (with_tasks({**TASK, "mechanic": "x"}), "tasks[0].mechanic", "unknown field"),
    (with_tasks({**TASK, "depends_on": ["a"]}), "tasks[0].depends_on[0]", "itself"),
    (with_tasks(TASK, {**TASK, "key": "b", "depends_on": ["zz"]}), "tasks[1].depends_on[0]", "no task with key"),
    (with_tasks({**TASK, "depends_on": ["b"]}, {**TASK, "key": "b", "depends_on": ["a"]}), "tasks", "cycle"),
    (with_tasks(TASK, TASK), "tasks[1].key", "duplicate"),
    ({**BRAKE_JOB, "description": "   "}, "description", "description"),
    (with_tasks({**TASK, "assigned_technician_id": str(uuid.uuid4())}), "assigned_technician_id", "does not exist"),
])
def test_bad_work_order_is_refused_naming_the_problem_and_writes_nothing(client, as_user, shop_db, body, field, words):
    before = counts(shop_db)
    response = create(client, as_user, body)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == response.status_code
    assert field in [e["field"] for e in problem["errors"]], problem
    assert words in response.text
    assert counts(shop_db) == before


def test_bad_dependencies_are_refused(client, as_user, shop_db):
    first = create(client, as_user).json()
    second = create(client, as_user, with_tasks(TASK)).json()
    before = counts(shop_db)
    pads, inspect, other = first["task_ids"]["pads"], first["task_ids"]["inspect"], second["task_ids"]["a"]
    cases = [
        (pads, pads, "a task cannot depend on itself"),
        (pads, other, "a task can only depend on a task of its own work order"),
        (inspect, pads, "the dependency would close a cycle"),
    ]
    for task, depends_on, message in cases:
        response = client.post(f"/v1/tasks/{task}/dependencies", json={"depends_on_task_id": depends_on},
                               headers=as_user(DISPATCHER))
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == [{"field": "depends_on_task_id", "message": message}]
    assert counts(shop_db) == before


def test_negative_duration_on_patch_writes_nothing(client, as_user):
    order = create(client, as_user).json()
    task_id = order["task_ids"]["pads"]
    response = client.patch(f"/v1/tasks/{task_id}", json={"duration_minutes": -5, "version": 1},
                            headers=as_user(DISPATCHER))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "duration_minutes"
    assert client.get(f"/v1/tasks/{task_id}", headers=as_user(DISPATCHER)).json()["duration_minutes"] == 90


def test_stale_patch_gets_409_and_changes_nothing(client, as_user):
    order = create(client, as_user).json()
    url = f"/v1/work_orders/{order['id']}"
    first = client.patch(url, json={"priority": 5}, headers=as_user(DISPATCHER, **{"If-Match": '"1"'}))
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    stale = client.patch(url, json={"priority": 1}, headers=as_user(DISPATCHER, **{"If-Match": '"1"'}))
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.headers["ETag"] == '"2"'
    body_only = client.patch(url, json={"priority": 1, "version": 2}, headers=as_user(DISPATCHER))
    assert body_only.status_code == 428  # If-Match is required on PATCH, as the OpenAPI says
    disagreeing = client.patch(url, json={"priority": 1, "version": 1},
                               headers=as_user(DISPATCHER, **{"If-Match": '"2"'}))
    assert disagreeing.status_code == 422 and disagreeing.json()["errors"][0]["field"] == "version"
    assert client.get(url, headers=as_user(DISPATCHER)).json()["priority"] == 5
    unconditional = client.patch(url, json={"priority": 1}, headers=as_user(DISPATCHER))
    assert unconditional.status_code == 428
    assert client.delete(url, headers=as_user(DISPATCHER, **{"If-Match": '"1"'})).status_code == 409
    assert client.delete(url, headers=as_user(DISPATCHER, **{"If-Match": '"2"'})).status_code == 204
    assert client.get(url, headers=as_user(DISPATCHER)).status_code == 404


def test_idempotency_key_replays_the_same_work_order(client, as_user, shop_db):
    first = create(client, as_user, **{"Idempotency-Key": "wo-42"})
    replay = create(client, as_user, **{"Idempotency-Key": "wo-42"})
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.headers["ETag"] == first.headers["ETag"]
    assert counts(shop_db) == {"work_orders": 1, "tasks": 3, "task_dependencies": 3}

    other_body = create(client, as_user, {**BRAKE_JOB, "priority": 1}, **{"Idempotency-Key": "wo-42"})
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"
    assert scalar(shop_db, "select count(*) from public.work_orders") == 1


def test_audit_log_records_create_and_update_with_actor_and_diff(client, as_user):
    order = create(client, as_user).json()
    client.patch(f"/v1/work_orders/{order['id']}", json={"priority": 2, "customer_name": "Dana Kim-Lee"},
                 headers=as_user(DISPATCHER, **{"If-Match": '"1"', "X-Request-ID": "req-audit-1"}))
    entries = client.get("/v1/audit", params={"table": "work_orders", "row_id": order["id"]},
                         headers=as_user(DISPATCHER)).json()["items"]
    assert [e["action"] for e in entries] == ["update", "insert"]  # newest first
    update, insert = entries
    assert update["actor"] == str(DISPATCHER) and update["actor_profile_id"] == str(DISPATCHER)
    assert update["request_id"] == "req-audit-1"
    assert update["diff"] == {"priority": {"old": 4, "new": 2},
                              "customer_name": {"old": "Dana Kim", "new": "Dana Kim-Lee"}}
    assert insert["new_row"]["description"] == BRAKE_JOB["description"]
    by_actor = client.get("/v1/audit", params={"actor": str(DISPATCHER), "table": "tasks"},
                          headers=as_user(DISPATCHER)).json()["items"]
    assert len(by_actor) == 3
    assert client.get("/v1/audit", headers=as_user(TECH_ANA)).status_code == 403


def test_list_pagination_and_filters(client, as_user):
    for priority in (1, 2, 3, 4, 5):
        assert create(client, as_user, {**BRAKE_JOB, "priority": priority, "tasks": []}).status_code == 201
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/work_orders", params=params, headers=as_user(DISPATCHER)).json()
        seen += [w["priority"] for w in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [1, 2, 3, 4, 5]
    bad = client.get("/v1/work_orders", params={"cursor": "nonsense"}, headers=as_user(DISPATCHER))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    wrong_type = client.get("/v1/work_orders", params={"limit": "ten"}, headers=as_user(DISPATCHER))
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["field"] == "limit"


def test_task_pages_follow_the_cursor(client, as_user):
    order = create(client, as_user).json()
    first = client.get("/v1/tasks", params={"limit": 2}, headers=as_user(DISPATCHER)).json()
    second = client.get("/v1/tasks", params={"limit": 2, "cursor": first["next_cursor"]},
                        headers=as_user(DISPATCHER)).json()
    assert second["next_cursor"] is None
    paged = [t["id"] for t in first["items"] + second["items"]]
    assert len(first["items"]) == 2 and sorted(paged) == sorted(t["id"] for t in order["tasks"])
    filtered = client.get("/v1/tasks", params={"assignee": str(TECHNICIAN_BEN), "status": ["pending", "done"]},
                          headers=as_user(DISPATCHER)).json()["items"]
    assert [t["id"] for t in filtered] == [order["task_ids"]["pads"]]


def test_a_priority_a_person_gives_is_recorded_as_theirs_and_the_default_as_nobodys(client, as_user, shop_db):
    """Enrichment may replace only a priority nobody chose (priority_set_by null)."""
    chosen = create(client, as_user, {**BRAKE_JOB, "priority": 3, "tasks": []}).json()
    default = create(client, as_user, {k: v for k, v in BRAKE_JOB.items() if k not in ("priority", "tasks")}).json()
    confirmed = create(client, as_user, {k: v for k, v in BRAKE_JOB.items() if k not in ("priority", "tasks")}).json()
    assert chosen["priority"] == default["priority"] == 3
    patched = client.patch(f"/v1/work_orders/{confirmed['id']}", json={"priority": 3},
                           headers=as_user(DISPATCHER, **{"If-Match": '"1"'}))
    assert patched.status_code == 200
    setters = dict(query(shop_db, "select id::text, priority_set_by from public.work_orders"))
    assert setters == {chosen["id"]: str(DISPATCHER), default["id"]: None, confirmed["id"]: str(DISPATCHER)}
