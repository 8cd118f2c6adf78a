"""The overloaded shop end to end: 100 work orders imported into the demo shop need more lift time
than its three lifts have in the 7-day horizon. Real workers enrich, plan, schedule and notify;
the published schedule places most of the work, every task left out says which resource ran
out, work orders say `scheduled` or `at_risk` as their tasks are, and dispatchers get one
notification listing the work orders at risk."""
import subprocess

from tests.support.environment import child_environment
from tests.support.imports import work_orders_csv
from tests.support.polling import wait_until
from tests.support.processes import BAYFLOW
from tests.support.sql import query, scalar


def lift_jobs() -> list[dict]:
    """100 work orders: a 10-minute check-in, then 150 minutes on a lift (15,000 lift minutes)."""
    rows = []
    for i in range(100):
        base = {"External ID": f"LIFT-{i:03d}", "Description": f"Suspension work on unit {i}",
                "Priority": str(1 + i % 5), "Due At": ""}
        rows.append({**base, "Task Name": "Check-in", "Task Duration Minutes": "10", "Task Required Skill": "general",
                     "Task Required Bay Type": "", "Task Depends On": ""})
        rows.append({**{k: "" for k in base}, "External ID": base["External ID"], "Task Name": "Lift work",
                     "Task Duration Minutes": "150", "Task Required Skill": "general",
                     "Task Required Bay Type": "lift", "Task Depends On": "Check-in"})
    return rows


def test_an_overloaded_import_gets_a_partial_schedule_truthful_statuses_and_one_notification(
        demo_shop_db, workers, tmp_path):  # noqa: F811
    workers.start(database_url=demo_shop_db, processes=1, threads=4, bayflow_solver_time_limit_s=3)
    path = tmp_path / "lifts.csv"
    path.write_bytes(work_orders_csv(lift_jobs()))
    done = subprocess.run([BAYFLOW, "import", str(path)], env=child_environment(database_url=demo_shop_db),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr + workers.log()

    def runs_finished():
        states = dict(query(demo_shop_db, "select status, count(*) from public.pipeline_runs group by status"))
        assert states.get("failed", 0) == 0, workers.log()
        return states.get("succeeded") == 100

    wait_until(runs_finished, 120, interval=0.5, message="100 pipeline runs to finish")

    last = query(demo_shop_db, "select id, placed_tasks, unplaced_tasks, unplaced_minutes, solver_parameters"
                               " from public.schedule_runs order by created_at desc limit 1")[0]
    run_id, placed, unplaced, unplaced_minutes, parameters = last
    assert placed + unplaced == 200 and unplaced > 0
    assert unplaced_minutes < 0.5 * (100 * 160), "most of the work is placed"
    assert parameters["source"] in ("construction", "local_search", "cp_sat", "lns")

    # Every task left out names the scarce resource (the lifts), or the task it waits for.
    reasons = query(demo_shop_db, "select t.name, i.why from public.schedule_items i join public.tasks t"
                                  " on t.id = i.task_id where i.run_id = %s and i.starts_at is null", (run_id,))
    assert len(reasons) == unplaced
    for name, why in reasons:
        assert why[0].startswith("not scheduled: "), why
        assert ("'lift' bay" in why[0] and "end of the 7-day horizon" in why[0]) or "depends on 'Check-in'" in why[0]
    assert scalar(demo_shop_db, "select count(*) from public.tasks where status = 'pending'"
                                " and unplaced_reason is null") == 0

    # Statuses follow the tasks: scheduled only when every task is placed, else at_risk.
    statuses = query(demo_shop_db, """
        select w.status, bool_and(t.status = 'scheduled'), bool_or(t.unplaced_reason is not null)
          from public.work_orders w join public.tasks t on t.work_order_id = w.id group by w.id, w.status""")
    assert {s for s, _, _ in statuses} == {"scheduled", "at_risk"}
    for status, all_placed, any_unplaced in statuses:
        assert (status == "scheduled") == all_placed and (status == "at_risk") == any_unplaced

    # Dispatchers: one notification per announced schedule run with work left out, listing the
    # work orders at risk; no "planned" notification for a work order at risk.
    dispatcher = scalar(demo_shop_db, "select id from public.profiles where role = 'dispatcher' order by id limit 1")
    notified = query(demo_shop_db, """
        select e.type, e.payload from public.notifications n join public.events e on e.id = n.event_id
         where n.profile_id = %s order by e.id""", (dispatcher,))
    at_risk_notes = [payload for kind, payload in notified if kind == "schedule.at_risk"]
    runs_with_gaps = scalar(demo_shop_db, "select count(*) from public.schedule_runs where unplaced_tasks > 0")
    assert 1 <= len(at_risk_notes) <= runs_with_gaps
    listed = {w["work_order_id"] for w in at_risk_notes[-1]["work_orders"]}
    at_risk_now = {str(w) for (w,) in query(demo_shop_db, "select id from public.work_orders where status = 'at_risk'")}
    assert listed == at_risk_now
    assert all(w["unplaced_tasks"] and w["unplaced_tasks"][0]["why"] for w in at_risk_notes[-1]["work_orders"])
    planned = {p["work_order_id"] for kind, p in notified if kind == "work_order.planned"}
    assert not planned & at_risk_now
