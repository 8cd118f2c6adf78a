"""Seed acceptance: `bayflow import` of 100 work orders, run by real workers through enrich -> plan ->
schedule -> notify, ending in a schedule run that places their tasks; and a file with bad rows."""
import subprocess
from pathlib import Path

from tests.support.environment import child_environment
from tests.support.imports import work_orders_csv
from tests.support.polling import wait_until
from tests.support.processes import BAYFLOW
from tests.support.sql import query, scalar

JOBS = [("Brake inspection", "brakes", 30), ("Oil and filter", "general", 45), ("Tire rotation", "tires", 40),
        ("Battery test", "electrical", 20), ("Coolant flush", "engine", 60)]


def hundred_work_orders() -> list[dict]:
    rows = []
    for i in range(100):
        name, skill, minutes = JOBS[i % len(JOBS)]
        base = {"External ID": f"FLEET-{i:03d}", "Description": f"{name} for unit {i}", "Priority": str(1 + i % 5),
                "Due At": f"12/{1 + i % 28:02d}/2026"}  # the demo shop writes MM/DD/YYYY
        rows.append({**base, "Task Name": "Check-in", "Task Duration Minutes": "10", "Task Required Skill": "general",
                     "Task Depends On": ""})
        rows.append({**{k: "" for k in base}, "External ID": base["External ID"], "Task Name": name,
                     "Task Duration Minutes": str(minutes), "Task Required Skill": skill,
                     "Task Depends On": "Check-in"})
    return rows


def bayflow_import(db_url: str, path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BAYFLOW, "import", str(path), *args], env=child_environment(database_url=db_url),
                          capture_output=True, text=True, timeout=120)


def test_import_100_work_orders_and_schedule_them_with_real_workers(demo_shop_db, workers, tmp_path):
    workers.start(database_url=demo_shop_db, processes=1, threads=4, bayflow_solver_time_limit_s=5)
    path = tmp_path / "fleet.csv"
    path.write_bytes(b"\xef\xbb\xbf" + work_orders_csv(hundred_work_orders(), delimiter=";"))

    done = bayflow_import(demo_shop_db, path)
    assert done.returncode == 0, done.stdout + done.stderr + workers.log()
    assert "done: 100 created, 0 updated, 0 unchanged; 0 of 200 rows invalid" in done.stdout
    import_id = scalar(demo_shop_db, "select id::text from public.imports")
    assert "store_results" not in workers.log()  # the import actor returns nothing for dramatiq to warn about

    def runs_finished():
        states = dict(query(demo_shop_db, "select status, count(*) from public.pipeline_runs"
                                          " where triggered_by = %s group by status", (f"import:{import_id}",)))
        assert states.get("failed", 0) == 0, workers.log()
        return states.get("succeeded") == 100

    wait_until(runs_finished, 100, interval=0.5, message="100 pipeline runs to finish")
    schedule_runs = scalar(demo_shop_db, "select count(*) from public.schedule_runs")
    assert 1 <= schedule_runs <= 5, f"{schedule_runs} schedule runs for one batch"  # coalesced, not one per row
    placed = scalar(demo_shop_db, """select count(*) from public.schedule_items i
                                      join public.tasks t on t.id = i.task_id
                                      join public.work_orders w on w.id = t.work_order_id
                                     where w.source = 'csv' and i.starts_at is not null""")
    assert placed == 200
    assert scalar(demo_shop_db, "select count(*) from public.work_orders where status = 'scheduled'") == 100
    assert scalar(demo_shop_db, "select count(*) from public.tasks where planned_start is null") == 0

    # A file with bad rows: rejected whole (all_or_nothing), nothing written, lines and columns named.
    rows = hundred_work_orders()[:6]
    rows[2]["Task Duration Minutes"] = "forever"
    rows[4]["Due At"] = "02/31/2026"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(work_orders_csv([{**r, "External ID": r["External ID"] + "-B"} for r in rows]))
    rejected = bayflow_import(demo_shop_db, bad)
    assert rejected.returncode == 1
    assert "rejected:" in rejected.stdout
    assert "line 4, column task_duration_minutes: not a whole number: 'forever'" in rejected.stdout
    assert "line 6, column due_at: not a valid date: '02/31/2026'" in rejected.stdout
    assert scalar(demo_shop_db, "select count(*) from public.work_orders where external_id like '%%-B'") == 0

    unreadable = bayflow_import(demo_shop_db, tmp_path / "missing.csv")
    assert unreadable.returncode == 2 and "cannot read" in unreadable.stderr
