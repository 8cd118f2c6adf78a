"""End to end on real processes: a dispatcher's move reaches another dispatcher's event stream at
once, and the re-optimization it triggers runs on the workers with the move's locks held; an
approved plan of a work order that needed review is scheduled; concurrent moves are judged one
after the other. The tests share one stack."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from tests.pipelines.conftest import ADMIN, DISPATCHER, TECHNICIAN_ANA, TECHNICIAN_BEN, EventStream, new_work_order


def test_a_move_reaches_a_second_board_and_the_reschedule_keeps_its_locks(shared_stack):
    stack = shared_stack
    created = stack.call("POST", "/v1/work_orders", json=new_work_order(tasks=[
        {"key": "pads", "name": "Replace pads", "duration_minutes": 90, "required_skill": "brakes",
         "required_bay_type": "lift"}]))
    assert created.status_code == 201, created.text
    wo, task_id = created.json()["id"], created.json()["task_ids"]["pads"]
    assert stack.wait_finished(wo)[1] == "succeeded"
    placed = stack.call("GET", f"/v1/tasks/{task_id}").json()
    assert placed["status"] == "scheduled"
    other = TECHNICIAN_BEN if placed["assigned_technician_id"] == TECHNICIAN_ANA else TECHNICIAN_ANA
    start = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)

    preview = stack.call("POST", "/v1/schedule/what-if",
                         json={"task_id": task_id, "technician_id": other, "start": start.isoformat()})
    assert preview.status_code == 200 and preview.json()["feasible"] is True, preview.text

    second_board = EventStream(stack, ADMIN)
    sent = time.monotonic()
    moved = stack.http.post("/v1/schedule/moves", json={"task_id": task_id, "technician_id": other,
                                                        "start": start.isoformat()},
                            headers={**stack.headers(DISPATCHER), "If-Match": f'"{placed["version"]}"'})
    assert moved.status_code == 200, moved.text
    event = stack.wait_until("task.moved on the second board",
                             lambda: next((e for e in second_board.of_type("task.moved")
                                           if e["data"]["task_id"] == task_id), None), timeout_s=10)
    print(f"task.moved reached the second board {time.monotonic() - sent:.2f} s after the move was sent")
    assert event["data"]["work_order_id"] == wo

    run_id = moved.json()["pipeline_run_id"]
    run = stack.wait_until("the move's reschedule finished", lambda: (
        r := stack.call("GET", f"/v1/pipeline_runs/{run_id}").json())["status"] in ("succeeded", "failed") and r)
    assert run["status"] == "succeeded", run
    after = stack.call("GET", f"/v1/tasks/{task_id}").json()
    assert (after["assigned_technician_id"], after["lock_technician"], after["lock_start"]) == (other, True, True)
    assert datetime.fromisoformat(after["planned_start"]) == start
    diff = stack.call("GET", f"/v1/schedule_runs/{run['schedule_run_id']}/diff", DISPATCHER).json()
    assert diff["previous_run_id"] is not None
    assert task_id in [m["task_id"] for m in diff["moved"]]  # against the run before the move


def test_an_approved_plan_of_a_work_order_that_needed_review_is_scheduled(shared_stack):
    stack = shared_stack
    (wo,), = stack.sql("insert into public.work_orders (description, status, review_reasons)"
                       " values ('Strange noise, no canned job fits', 'needs_review', '[\"no plan\"]')"
                       " returning id::text")
    approved = stack.call("PUT", f"/v1/work_orders/{wo}/plan", json={"tasks": [
        {"key": "diag", "name": "Diagnose noise", "duration_minutes": 45, "required_skill": "diagnostics"},
        {"key": "fix", "name": "Replace mount", "duration_minutes": 60, "required_bay_type": "lift",
         "depends_on": ["diag"]}]})
    assert approved.status_code == 200, approved.text
    assert stack.wait_finished(wo)[1] == "succeeded"
    order = stack.call("GET", f"/v1/work_orders/{wo}").json()
    assert (order["status"], order["plan_source"]) == ("scheduled", "dispatcher")
    diag, fix = sorted(order["tasks"], key=lambda t: t["position"])
    assert diag["assigned_technician_id"] == TECHNICIAN_ANA  # the only one with diagnostics
    assert fix["planned_start"] >= diag["planned_end"] and fix["bay_id"] is not None


def test_two_dispatchers_dropping_tasks_into_the_same_slot_at_once_get_one_move_each_judged_after_the_other(
        shared_stack):
    stack = shared_stack
    created = stack.call("POST", "/v1/work_orders", json=new_work_order(tasks=[
        {"key": "a", "name": "Rotate tyres", "duration_minutes": 60, "required_skill": "general"},
        {"key": "b", "name": "Top up fluids", "duration_minutes": 60, "required_skill": "general"}]))
    assert created.status_code == 201, created.text
    wo, ids = created.json()["id"], created.json()["task_ids"]
    assert stack.wait_finished(wo)[1] == "succeeded"
    slot = (datetime.now(timezone.utc) + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    barrier = threading.Barrier(2)

    def drop(task_id: str, user: str):
        barrier.wait()
        return stack.http.post("/v1/schedule/moves", headers=stack.headers(user), json={
            "task_id": task_id, "technician_id": TECHNICIAN_BEN, "start": slot.isoformat()})

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(drop, [ids["a"], ids["b"]], [DISPATCHER, ADMIN]))
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    # the slot is taken by the first move, which locked it there
    assert [e["kind"] for e in refused["errors"]] == ["overlap", "lock"]
    placed = stack.sql("select count(*) from public.tasks where assigned_technician_id = %s and planned_start = %s",
                       (TECHNICIAN_BEN, slot))
    assert placed == [(1,)]
