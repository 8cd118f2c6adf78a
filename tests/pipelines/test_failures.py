"""A step that keeps failing marks its run failed (visible through the API) and a dispatcher
retries it from the API once the cause is gone."""
from tests.pipelines.conftest import DISPATCHER, TECH_ANA, EventStream, new_work_order

# The database refuses new tasks, as a full disk or a broken constraint would.
BREAK_TASK_WRITES = """
create function public.refuse_tasks() returns trigger language plpgsql as $$
begin raise exception 'tasks are read-only during maintenance'; end $$;
create trigger refuse_tasks before insert on public.tasks for each row execute function public.refuse_tasks();
"""
FIX_TASK_WRITES = "drop trigger refuse_tasks on public.tasks; drop function public.refuse_tasks();"


def test_step_exhausting_its_retries_fails_the_run_and_retry_from_the_api_completes_it(stack):
    stream = EventStream(stack, DISPATCHER)
    stack.sql(BREAK_TASK_WRITES)
    wo = stack.call("POST", "/v1/work_orders", json=new_work_order()).json()["id"]
    run_id, status, step, error = stack.wait_finished(wo)
    assert (status, step) == ("failed", "plan")
    assert error.startswith("plan failed after 3 attempts") and "tasks are read-only during maintenance" in error

    # The dispatcher sees the failed run, its attempts and error, and is told.
    run = stack.call("GET", f"/v1/pipeline_runs/{run_id}").json()
    plan = next(s for s in run["steps"] if s["step"] == "plan")
    assert (run["status"], plan["status"], plan["attempts"]) == ("failed", "failed", 3)
    assert "tasks are read-only during maintenance" in plan["error"]
    failed = stack.call("GET", "/v1/pipeline_runs", params={"status": "failed"}).json()["items"]
    assert [r["id"] for r in failed] == [run_id]
    inbox = stack.call("GET", "/v1/notifications").json()["items"]
    assert [(n["type"], n["payload"]["step"]) for n in inbox] == [("pipeline.failed", "plan")]
    stack.wait_until("the stream got the failure", lambda: stream.of_type("pipeline.failed"))
    stream.close()
    assert stack.sql("select count(*) from public.tasks where work_order_id = %s", (wo,))[0][0] == 0

    # Technicians neither see runs nor retry them.
    refused = stack.call("POST", f"/v1/work_orders/{wo}/retry-pipeline", TECH_ANA)
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert stack.call("GET", f"/v1/pipeline_runs/{run_id}", TECH_ANA).status_code == 403

    stack.sql(FIX_TASK_WRITES)
    retried = stack.call("POST", f"/v1/work_orders/{wo}/retry-pipeline")
    assert retried.status_code == 202, retried.text
    assert (retried.json()["id"], retried.json()["status"], retried.json()["error"]) == (run_id, "queued", None)
    assert stack.wait_finished(wo)[:3] == (run_id, "succeeded", "notify")
    run = stack.call("GET", f"/v1/pipeline_runs/{run_id}").json()
    assert [(s["step"], s["status"]) for s in run["steps"]] == [
        ("enrich", "succeeded"), ("plan", "succeeded"), ("schedule", "succeeded"), ("notify", "succeeded")]
    assert next(s for s in run["steps"] if s["step"] == "plan")["attempts"] == 4
    assert stack.call("GET", f"/v1/work_orders/{wo}").json()["status"] == "scheduled"

    again = stack.call("POST", f"/v1/work_orders/{wo}/retry-pipeline")
    assert again.status_code == 409 and "succeeded, not failed" in again.json()["detail"]
    missing = stack.call("POST", "/v1/work_orders/00000000-0000-4000-8000-00000000dead/retry-pipeline")
    assert missing.status_code == 404 and missing.json()["title"] == "Not found"

