"""Work orders created together are scheduled together, and a re-delivered step changes nothing."""
import psycopg

from pipelines.steps import Next
from tasks.pipeline_actors import job_for
from tasks.enqueue import enqueue
from tasks.starts import enqueue_work_order_flows

JOBS = ["oil change", "front brake pads", "tire rotation", "check engine light", "battery replacement"]


def _snapshot(stack, wo: str) -> dict:
    return {
        "work_order": stack.sql("select status, enrichment, plan_source, version from public.work_orders"
                                " where id = %s", (wo,)),
        "tasks": stack.sql("select id, status, assigned_technician_id, bay_id, planned_start, version"
                           " from public.tasks order by id"),
        "steps": stack.sql("select run_id, step, status, attempts, detail from public.pipeline_steps"
                           " order by run_id, step"),
        "schedule_runs": stack.sql("select id from public.schedule_runs order by id"),
        "events": stack.sql("select id from public.events order by id"),
        "notifications": stack.sql("select id from public.notifications order by id"),
        "llm_calls": stack.sql("select count(*) from public.llm_calls"),
    }


def test_ten_work_orders_created_together_are_scheduled_once_and_redelivery_changes_nothing(stack):
    with psycopg.connect(stack.db_url) as conn:  # one transaction, as a CSV import writes a batch
        ids = [conn.execute("insert into public.work_orders (description, source) values (%s, 'import')"
                            " returning id::text", (f"Please do the {JOBS[i % len(JOBS)]} (unit {i})",)).fetchone()[0]
               for i in range(10)]
        run_ids = enqueue_work_order_flows(conn, ids, triggered_by="import:test")
    for wo in ids:
        assert stack.wait_finished(wo)[1:] == ("succeeded", "notify", None)

    schedule_runs = stack.call("GET", "/v1/schedule_runs").json()["items"]
    # One solve for the batch (two at most on a loaded machine, when planning outlasts the
    # coalescing window), not one per work order.
    assert 1 <= len(schedule_runs) <= 2, schedule_runs
    assert sum(int(r["triggered_by"].split()[1]) for r in schedule_runs) == 10
    by_run = dict(stack.sql("select id::text, schedule_run_id::text from public.pipeline_runs"
                            " where id = any(%s::uuid[])",
                            (run_ids,)))
    assert set(by_run.values()) == {r["id"] for r in schedule_runs}
    statuses = stack.sql("select status, count(*) from public.work_orders group by status")
    assert statuses == [("scheduled", 10)]
    published = stack.sql("select count(*) from public.events where type = 'schedule.published'")[0][0]
    assert published == len(schedule_runs)

    # Every step's message delivered again (a worker died before its ack): nothing changes.
    before = _snapshot(stack, ids[0])
    run, schedule_run = run_ids[0], by_run[run_ids[0]]
    jobs = []
    with psycopg.connect(stack.db_url) as conn:
        for follow in (Next("enrich", [run]), Next("plan", [run]), Next("schedule", [run]),
                       Next("notify", [run], schedule_run)):
            message, options = job_for(follow)
            jobs.append(enqueue(conn, message, **{**options, "delay": None}).job_id)
    stack.wait_until("the duplicates were processed", stack.queue_drained)
    assert stack.sql("select actor, status from public.job_queue where id = any(%s) order by id", (jobs,)) == [
        ("enrich_work_order", "done"), ("plan_work_order", "done"), ("schedule_shop", "done"),
        ("notify_affected", "done")]
    assert _snapshot(stack, ids[0]) == before
