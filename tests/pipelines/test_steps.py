"""Each actor run twice leaves the state of one run (no workers: the actor functions are
called in this process against a fresh database, real CP-SAT with a short limit)."""
import psycopg
import pytest

from pipelines import gateway_io
from tasks import pipeline_actors as actors
from tasks.starts import enqueue_reschedule, enqueue_work_order_flow
from tests.pipelines.conftest import PIPELINE_ENV, TECH_ANA, TECHNICIAN_ANA, seed_shop
from tests.support.environment import LLM_PROVIDER_ENV, forget_settings, set_environment

STATE = {
    "work_order": "select status, category, enrichment, plan_source, review_reasons, version from public.work_orders",
    "tasks": "select id, name, status, assigned_technician_id, planned_start, version from public.tasks order by id",
    "dependencies": "select * from public.task_dependencies order by 1, 2",
    "steps": "select step, status, attempts, error, detail from public.pipeline_steps order by step",
    "run": "select status, step, error, schedule_run_id from public.pipeline_runs",
    "schedule_runs": "select id from public.schedule_runs",
    "events": "select type, task_id, audience from public.events order by id",
    "notifications": "select profile_id, event_id from public.notifications order by id",
    "jobs": "select actor, message->'args' from public.job_queue order by id",
}


@pytest.fixture
def shop_db(db_url, monkeypatch):
    """The actors' database is DATABASE_URL: point this process at the test database."""
    set_environment(monkeypatch, unset=LLM_PROVIDER_ENV, database_url=db_url, **PIPELINE_ENV)
    _forget_actor_state()
    with psycopg.connect(db_url) as conn:
        seed_shop(conn)
    yield db_url
    actors._link().close()
    monkeypatch.undo()
    forget_settings()
    _forget_actor_state()


def _forget_actor_state():
    gateway_io.config.cache_clear()
    actors._local.__dict__.clear()


def _state(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in STATE.items()}


def test_every_step_run_twice_changes_nothing_the_second_time(shop_db):
    with psycopg.connect(shop_db) as conn:
        wo = conn.execute("insert into public.work_orders (description) values ('Front brake pads and an oil change')"
                          " returning id::text").fetchone()[0]
        run = enqueue_work_order_flow(conn, wo, triggered_by="test")

    steps = [lambda: actors.enrich_work_order.fn(run), lambda: actors.plan_work_order.fn(run),
             actors.schedule_shop.fn]
    for step in steps:
        step()
        once = _state(shop_db)
        step()
        assert _state(shop_db) == once
    schedule_run = once["run"][0][3]
    actors.notify_affected.fn([run], str(schedule_run))
    done = _state(shop_db)
    actors.notify_affected.fn([run], str(schedule_run))
    assert _state(shop_db) == done

    # What the one pass did: enriched by rules, two canned jobs planned, one schedule run, told.
    assert done["run"] == [("succeeded", "notify", None, schedule_run)]
    assert [s[:3] for s in done["steps"]] == [("enrich", "succeeded", 1), ("notify", "succeeded", 1),
                                               ("plan", "succeeded", 1), ("schedule", "succeeded", 1)]
    assert done["work_order"][0][:2] == ("scheduled", "brakes")
    assert done["work_order"][0][3] == "canned:brake_pads_front+oil_change"
    assert len(done["tasks"]) == 5 and all(t[2] == "scheduled" for t in done["tasks"])
    assert len(done["schedule_runs"]) == 1
    assert [a for a, _ in done["jobs"]] == ["enrich_work_order", "plan_work_order", "schedule_shop", "notify_affected"]
    types = [e[0] for e in done["events"]]
    assert types.count("work_order.planned") == 1 and types.count("schedule.published") == 1
    assert types.count("task.assigned") == 5


def test_tasks_moved_by_a_later_schedule_are_announced_to_their_technicians(shop_db):
    """Notify compares the schedule with the one announced before: a task that moves is `task.moved`."""
    with psycopg.connect(shop_db) as conn:
        wo = conn.execute("insert into public.work_orders (description) values ('Oil change')"
                          " returning id::text").fetchone()[0]
        run = enqueue_work_order_flow(conn, wo, triggered_by="test")
    actors.enrich_work_order.fn(run)
    actors.plan_work_order.fn(run)
    actors.schedule_shop.fn()
    with psycopg.connect(shop_db) as conn:
        first = conn.execute("select schedule_run_id::text from public.pipeline_runs where id = %s",
                             (run,)).fetchone()[0]
    actors.notify_affected.fn([run], first)

    # A dispatcher hands the first task to Ana from two hours on; a reschedule follows.
    with psycopg.connect(shop_db) as conn:
        task, start = conn.execute("select id, planned_start from public.tasks where work_order_id = %s"
                                   " order by position limit 1", (wo,)).fetchone()
        conn.execute("update public.tasks set assigned_technician_id = %s, lock_technician = true,"
                     " planned_start = planned_start + interval '2 hours',"
                     " planned_end = planned_end + interval '2 hours',"
                     " lock_start = true where id = %s",
                     (TECHNICIAN_ANA, task))
        reschedule = enqueue_reschedule(conn, reason="test: dispatcher moved a task")
    actors.schedule_shop.fn()
    with psycopg.connect(shop_db) as conn:
        second = conn.execute("select schedule_run_id::text from public.pipeline_runs where id = %s",
                              (reschedule,)).fetchone()[0]
    assert second != first
    actors.notify_affected.fn([reschedule], second)
    with psycopg.connect(shop_db) as conn:
        moved = conn.execute("select task_id, audience, payload from public.events"
                             " where type = 'task.moved'").fetchall()
        runs = conn.execute("select kind, status from public.pipeline_runs where id = %s", (reschedule,)).fetchone()
    assert runs == ("reschedule", "succeeded")
    event = next(m for m in moved if m[0] == task)
    assert str(TECH_ANA) in [str(p) for p in event[1]]
    assert event[2]["previous"]["starts_at"] != event[2]["starts_at"]
    assert event[2]["technician_id"] == TECHNICIAN_ANA

    # Ana's phone buzzes once for the run: one notification listing her changed tasks, from, to and why.
    with psycopg.connect(shop_db) as conn:
        inbox = conn.execute("select e.type, e.payload from public.notifications n join public.events e"
                             " on e.id = n.event_id where n.profile_id = %s and e.schedule_run_id = %s",
                             (TECH_ANA, second)).fetchall()
    [(kind, payload)] = inbox
    assert kind == "technician.schedule_changed"
    [line] = [t for t in payload["tasks"] if t["task_id"] == str(task)]
    assert line["change"] in ("assigned", "moved") and line["to"]["starts_at"] == event[2]["starts_at"]
    assert line["from"]["starts_at"] == event[2]["previous"]["starts_at"] and line["reason"]


def test_enrichment_applies_its_suggested_priority_unless_someone_set_one(shop_db):
    """Urgency "high" suggests priority 4: a work order with the default priority gets it, as the
    enrichment worker's change in the audit log; one whose priority someone chose keeps it."""
    with psycopg.connect(shop_db) as conn:
        default, chosen, changed = (conn.execute(
            "insert into public.work_orders (description, priority) values (%s, %s) returning id::text",
            ("Urgent: brakes grinding", priority)).fetchone()[0] for priority in (None, 2, None))
        conn.execute("select set_config('bayflow.actor', 'dispatcher:test', true)")
        conn.execute("update public.work_orders set priority = 1 where id = %s", (changed,))
        runs = [enqueue_work_order_flow(conn, wo, triggered_by="test") for wo in (default, chosen, changed)]
    for run in runs:
        actors.enrich_work_order.fn(run)
    with psycopg.connect(shop_db) as conn:
        rows = dict((wo, (priority, by, urgency)) for wo, priority, by, urgency in conn.execute(
            "select id::text, priority, priority_set_by, urgency from public.work_orders").fetchall())
        audit = conn.execute(
            "select row_id, actor, diff -> 'priority' from public.audit_log"
            " where table_name = 'work_orders' and 'priority' = any(changed_keys) order by id").fetchall()
    assert rows[default] == (4, "worker:enrich_work_order", "high")
    assert rows[chosen][:2] == (2, "postgres")
    assert rows[changed][:2] == (1, "dispatcher:test")
    assert audit == [(changed, "dispatcher:test", {"old": 3, "new": 1}),
                     (default, "worker:enrich_work_order", {"old": 3, "new": 4})]
