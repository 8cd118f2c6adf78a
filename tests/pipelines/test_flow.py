"""End to end: a work order created through the API flows through enrich -> plan -> schedule
-> notify on real workers, and the people affected see the result. The tests share one
running stack and look only at their own work orders."""
from tests.pipelines.conftest import DISPATCHER, TECH_ANA, TECH_BEN, TECHNICIAN_ANA, TECHNICIAN_BEN, EventStream, \
    new_work_order


def test_work_order_created_through_the_api_is_enriched_planned_scheduled_and_notified(shared_stack):
    stack = shared_stack
    dispatcher_stream = EventStream(stack, DISPATCHER)
    tech_streams = {TECH_ANA: EventStream(stack, TECH_ANA), TECH_BEN: EventStream(stack, TECH_BEN)}

    created = stack.call("POST", "/v1/work_orders", json=new_work_order(
        description="2016 Toyota Corolla, 84,000 miles: squeaks when stopping, replace front brake pads"))
    assert created.status_code == 201, created.text
    wo = created.json()["id"]
    run_id, status, step, error = stack.wait_finished(wo)
    assert (status, step, error) == ("succeeded", "notify", None)

    # The dispatcher follows the run step by step through the API.
    runs = stack.call("GET", f"/v1/work_orders/{wo}/pipeline_runs").json()
    assert [r["id"] for r in runs] == [run_id]
    steps = {s["step"]: s for s in runs[0]["steps"]}
    assert [s["step"] for s in runs[0]["steps"]] == ["enrich", "plan", "schedule", "notify"]
    assert all(s["status"] == "succeeded" and s["attempts"] == 1 and s["finished_at"] for s in steps.values())
    assert steps["plan"]["detail"] == {"source": "canned:brake_pads_front", "tasks": 3}
    assert steps["enrich"]["detail"]["source"] == "rules"

    # Enriched, planned from the canned job, scheduled; the plan's source is on the work order.
    row = stack.sql("select status, category, plan_source, enrichment_source, asset_make, asset_model, asset_year,"
                    " mileage from public.work_orders where id = %s", (wo,))[0]
    assert row == ("scheduled", "brakes", "canned:brake_pads_front", "rules", "Toyota", "Corolla", 2016, 84000)
    detail = stack.call("GET", f"/v1/work_orders/{wo}").json()
    assert detail["status"] == "scheduled" and len(detail["tasks"]) == 3
    assert detail["plan_source"] == "canned:brake_pads_front"
    assert detail["enrichment"]["suggested_priority"] in range(1, 6)
    assert {t["required_skill"] for t in detail["tasks"]} <= {"brakes", "general"}

    # The dispatcher sees the schedule items with their reasons.
    schedule_run = stack.call("GET", f"/v1/schedule_runs/{runs[0]['schedule_run_id']}",
                              params={"work_order_id": wo}).json()
    assert schedule_run["status"] in ("optimal", "feasible")
    mine = {t["id"] for t in detail["tasks"]}
    placed = [(i["task_id"], i["technician_id"], i["starts_at"], i["why"]) for i in schedule_run["items"]]
    assert {p[0] for p in placed} == mine
    assert all(p[2] is not None and p[3] and all(isinstance(w, str) and w for w in p[3]) for p in placed)
    assert stack.call("GET", f"/v1/schedule_runs/{runs[0]['schedule_run_id']}", TECH_ANA).status_code == 403

    # Each technician sees exactly the tasks assigned to them, in their own task list.
    assigned: dict[str, set] = {}
    for task_id, technician, *_ in placed:
        assigned.setdefault(technician, set()).add(task_id)
    for user, technician in ((TECH_ANA, TECHNICIAN_ANA), (TECH_BEN, TECHNICIAN_BEN)):
        listed = stack.call("GET", "/v1/tasks", user, params={"work_order_id": wo}).json()["items"]
        assert {t["id"] for t in listed} == assigned.get(technician, set())

    # Notifications: the dispatcher about the plan, each technician about their new tasks.
    inbox = [n for n in stack.call("GET", "/v1/notifications").json()["items"] if n["work_order_id"] == wo]
    assert [n["type"] for n in inbox] == ["work_order.planned"]
    assert inbox[0]["payload"]["scheduled_tasks"] == 3
    assert inbox[0]["payload"]["plan_source"] == "canned:brake_pads_front"
    for user, technician in ((TECH_ANA, TECHNICIAN_ANA), (TECH_BEN, TECHNICIAN_BEN)):
        notes = stack.call("GET", "/v1/notifications", user).json()["items"]
        assert {n["type"] for n in notes} <= {"technician.schedule_changed"}
        assert len({n["schedule_run_id"] for n in notes}) == len(notes)  # one per schedule run, however many tasks
        listed = [t for n in notes for t in n["payload"]["tasks"] if t["work_order_id"] == wo]
        assert {t["task_id"] for t in listed} == assigned.get(technician, set())
        assert {t["change"] for t in listed} <= {"assigned"} and all(t["to"]["starts_at"] for t in listed)

    # Live events: the dispatcher gets everything, a technician only events about their tasks.
    stack.wait_until("the dispatcher's stream got the plan", lambda: dispatcher_stream.of_type("work_order.planned"))
    stack.wait_until("the dispatcher's stream got the schedule",
                     lambda: dispatcher_stream.of_type("schedule.published"))
    assert [e["data"]["work_order_id"] for e in dispatcher_stream.of_type("work_order.planned")] == [wo]
    assert {e["data"]["task_id"] for e in dispatcher_stream.of_type("task.assigned")} == mine
    for user, technician in ((TECH_ANA, TECHNICIAN_ANA), (TECH_BEN, TECHNICIAN_BEN)):
        expected = assigned.get(technician, set())
        stream = tech_streams[user]
        def task_events(stream=stream):
            return [e for e in stream.events if e["type"] != "technician.schedule_changed"]
        stack.wait_until(f"{user} got their task events", lambda: len(task_events()) >= len(expected), 10)
        assert {e["data"]["task_id"] for e in task_events()} == expected  # nothing about anyone else's tasks
        assert {e["type"] for e in task_events()} <= {"task.assigned"}
    for s in (dispatcher_stream, *tech_streams.values()):
        s.close()

    # Reconnecting with Last-Event-ID replays what was missed, still only what the caller may see.
    first = min(e["id"] for e in dispatcher_stream.events)
    for user, technician in ((TECH_ANA, TECHNICIAN_ANA), (TECH_BEN, TECHNICIAN_BEN)):
        expected = assigned.get(technician, set())
        replay = EventStream(stack, user, last_event_id=first - 1)
        assert replay.live.wait(10)
        replay.close()
        assert {e["data"]["task_id"] for e in replay.events if e["data"]["work_order_id"] == wo} == expected
        assert {e["type"] for e in replay.events} <= {"task.assigned", "task.moved", "technician.schedule_changed"}


def test_work_order_with_tasks_keeps_them_and_says_so(shared_stack):
    stack = shared_stack
    body = new_work_order(description="Replace the front brake pads", tasks=[
        {"key": "inspect", "name": "Inspect brakes", "duration_minutes": 20, "required_skill": "brakes"},
        {"key": "pads", "name": "Fit pads", "duration_minutes": 60, "required_skill": "brakes",
         "required_bay_type": "lift", "depends_on": ["inspect"]}])
    created = stack.call("POST", "/v1/work_orders", json=body)
    assert created.status_code == 201, created.text
    wo = created.json()["id"]
    assert stack.wait_finished(wo)[1:] == ("succeeded", "notify", None)
    run = stack.call("GET", f"/v1/work_orders/{wo}/pipeline_runs").json()[0]
    plan = next(s for s in run["steps"] if s["step"] == "plan")
    assert plan["status"] == "skipped" and "already has 2 task(s)" in plan["detail"]["skipped"]
    tasks = stack.call("GET", f"/v1/work_orders/{wo}").json()["tasks"]
    assert sorted(t["name"] for t in tasks) == ["Fit pads", "Inspect brakes"]
    assert all(t["status"] == "scheduled" for t in tasks)
    assert stack.sql("select plan_source from public.work_orders where id = %s", (wo,))[0][0] == "dispatcher"


def test_work_order_matching_no_canned_job_needs_review(shared_stack):
    stack = shared_stack
    stream = EventStream(stack, DISPATCHER)
    created = stack.call("POST", "/v1/work_orders", json=new_work_order(description="Customer says it feels weird"))
    wo = created.json()["id"]
    run_id, status, *_ = stack.wait_finished(wo)
    assert status == "succeeded"
    detail = stack.call("GET", f"/v1/work_orders/{wo}").json()
    assert detail["status"] == "needs_review"
    assert detail["review_reasons"] == ["no canned job matches the description"]
    assert detail["tasks"] == []
    steps = {s["step"]: s["status"] for s in stack.call("GET", f"/v1/pipeline_runs/{run_id}").json()["steps"]}
    assert steps == {"enrich": "succeeded", "plan": "succeeded", "schedule": "skipped", "notify": "succeeded"}
    listed = stack.call("GET", "/v1/work_orders", params={"status": "needs_review"}).json()["items"]
    assert [w["id"] for w in listed] == [wo]
    inbox = [n for n in stack.call("GET", "/v1/notifications", params={"unread": True}).json()["items"]
             if n["work_order_id"] == wo]
    assert [(n["type"], n["payload"]["review_reasons"]) for n in inbox] == [
        ("work_order.needs_review", ["no canned job matches the description"])]
    stack.wait_until("the stream got the review event", lambda: stream.of_type("work_order.needs_review"))
    stream.close()
    # Read notifications drop out of the unread list.
    assert stack.call("POST", f"/v1/notifications/{inbox[0]['id']}/read").json()["read_at"]
    unread = stack.call("GET", "/v1/notifications", params={"unread": True}).json()["items"]
    assert inbox[0]["id"] not in {n["id"] for n in unread}
