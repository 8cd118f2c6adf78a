"""A technician moves their task along the state machine the database enforces (POST
/v1/tasks/{id}/status and PATCH alike): start, pause, block with a reason, finish; actual start
and end in database time; refusals name the field and the rule; dispatchers may set any status;
a task reassigned meanwhile answers 404; an Idempotency-Key makes a resend harmless."""
from datetime import datetime

import pytest

from tests.api.test_work_orders import create
from tests.support.shop import DISPATCHER, TECH_ANA, TECH_BEN, TECHNICIAN_BEN
from tests.support.sql import scalar


@pytest.fixture
def task(client, as_user):
    """Ana's pending task ("Inspect brakes")."""
    return create(client, as_user).json()["task_ids"]["inspect"]


def move(client, as_user, task_id, user=TECH_ANA, key=None, **body):
    headers = as_user(user, **({"Idempotency-Key": key} if key else {}))
    return client.post(f"/v1/tasks/{task_id}/status", json=body, headers=headers)


def refusal(response) -> tuple[int, list[dict]]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code, response.json()["errors"]


def test_technician_works_a_task_start_to_finish(client, as_user, task, shop_db):
    before = scalar(shop_db, "select now()")
    started = move(client, as_user, task, status="in_progress", note="car on lift 2")
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["status"] == "in_progress" and body["notes"] == "car on lift 2"
    assert before <= datetime.fromisoformat(body["actual_start"]) <= scalar(shop_db, "select now()")
    assert body["actual_end"] is None and body["blocked_reason"] is None

    paused = move(client, as_user, task, status="paused", note="lunch").json()
    assert paused["status"] == "paused" and paused["notes"] == "car on lift 2\nlunch"
    resumed = move(client, as_user, task, status="in_progress").json()
    assert resumed["actual_start"] == body["actual_start"]  # the first start is kept

    blocked = move(client, as_user, task, status="blocked", reason="caliper bolt seized").json()
    assert (blocked["status"], blocked["blocked_reason"]) == ("blocked", "caliper bolt seized")
    unblocked = move(client, as_user, task, status="in_progress").json()
    assert unblocked["blocked_reason"] is None

    done = move(client, as_user, task, status="done")
    assert done.status_code == 200, done.text
    finished = done.json()
    assert finished["status"] == "done" and finished["actual_start"] == body["actual_start"]
    assert datetime.fromisoformat(finished["actual_end"]) >= datetime.fromisoformat(finished["actual_start"])
    assert scalar(shop_db, "select actual_end = (select max(occurred_at) from audit_log where row_id = %s::text)"
                           " from tasks where id = %s", (task, task)) is True  # the database's clock


@pytest.mark.parametrize("path, status, message", [
    ([], "done", "a technician cannot move a task from pending to done (from pending only to in_progress)"),
    ([], "paused", "a technician cannot move a task from pending to paused (from pending only to in_progress)"),
    (["in_progress", "paused"], "done",
     "a technician cannot move a task from paused to done (from paused only to in_progress or blocked)"),
    (["in_progress", "done"], "pending", "a technician cannot move a done task back to pending"),
    (["in_progress", "done"], "in_progress", "a technician cannot move a done task back to in_progress"),
])
def test_refused_transitions_name_the_field_and_the_rule(client, as_user, task, path, status, message):
    for step in path:
        assert move(client, as_user, task, status=step).status_code == 200
    version = client.get(f"/v1/tasks/{task}", headers=as_user(TECH_ANA)).json()["version"]
    for response in (move(client, as_user, task, status=status),
                     client.patch(f"/v1/tasks/{task}", json={"status": status},
                                  headers=as_user(TECH_ANA, **{"If-Match": f'"{version}"'}))):
        assert refusal(response) == (409, [{"field": "status", "message": message}])
    assert client.get(f"/v1/tasks/{task}", headers=as_user(TECH_ANA)).json()["version"] == version  # unchanged


def test_blocked_needs_a_reason(client, as_user, task):
    move(client, as_user, task, status="in_progress")
    assert refusal(move(client, as_user, task, status="blocked")) == \
        (422, [{"field": "reason", "message": "a blocked task needs a reason"}])
    version = client.get(f"/v1/tasks/{task}", headers=as_user(TECH_ANA)).json()["version"]
    patched = client.patch(f"/v1/tasks/{task}", json={"status": "blocked"},
                           headers=as_user(TECH_ANA, **{"If-Match": f'"{version}"'}))
    assert refusal(patched) == (422, [{"field": "blocked_reason", "message": "a blocked task needs a reason"}])
    ok = client.patch(f"/v1/tasks/{task}", json={"status": "blocked", "blocked_reason": "no pads"},
                      headers=as_user(TECH_ANA, **{"If-Match": f'"{version}"'}))
    assert ok.status_code == 200 and ok.json()["blocked_reason"] == "no pads"


def test_technician_cannot_write_the_actual_times(client, as_user, task):
    version = client.get(f"/v1/tasks/{task}", headers=as_user(TECH_ANA)).json()["version"]
    response = client.patch(f"/v1/tasks/{task}", json={"instructions": "skip it"},
                            headers=as_user(TECH_ANA, **{"If-Match": f'"{version}"'}))
    assert response.status_code == 403


def test_dispatcher_may_set_any_status(client, as_user, task):
    move(client, as_user, task, status="in_progress")
    move(client, as_user, task, status="done")
    reopened = move(client, as_user, task, user=DISPATCHER, status="pending")
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "pending" and reopened.json()["actual_end"] is None
    assert move(client, as_user, task, user=DISPATCHER, status="done").json()["actual_end"] is not None


def test_a_task_reassigned_meanwhile_answers_404(client, as_user, task):
    version = client.get(f"/v1/tasks/{task}", headers=as_user(DISPATCHER)).json()["version"]
    reassigned = client.patch(f"/v1/tasks/{task}", json={"assigned_technician_id": str(TECHNICIAN_BEN)},
                              headers=as_user(DISPATCHER, **{"If-Match": f'"{version}"'}))
    assert reassigned.status_code == 200, reassigned.text
    gone = move(client, as_user, task, status="in_progress", key="offline-1")
    assert gone.status_code == 404 and "reassigned" in gone.json()["detail"]
    assert move(client, as_user, task, user=TECH_BEN, status="in_progress").status_code == 200


def test_a_resent_status_change_is_applied_once(client, as_user, task):
    first = move(client, as_user, task, key="phone-42", status="in_progress", note="started")
    again = move(client, as_user, task, key="phone-42", status="in_progress", note="started")
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert client.get(f"/v1/tasks/{task}", headers=as_user(TECH_ANA)).json()["notes"] == "started"
    reused = move(client, as_user, task, key="phone-42", status="paused")
    assert refusal(reused)[0] == 422


def test_state_machine_holds_outside_the_api(client, as_user, task, shop_db):
    """The rule is the database's: a technician's own SQL session is refused the same way."""
    import psycopg

    with psycopg.connect(shop_db) as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute("set local role authenticated")
        conn.execute("select set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{TECH_ANA}"}}',))
        conn.execute("update public.tasks set status = 'done' where id = %s", (task,))
    assert caught.value.sqlstate == "BF409"
    assert caught.value.diag.column_name == "status"

