"""Re-optimization through the real pipeline (issue #17): database triggers, a dispatcher's move, requests and
the nightly job each produce one coalesced run; a partial run leaves every task outside its neighbourhood
byte-identical (row and version), never moves locked or in-progress tasks nor tasks in the frozen window, and
stores a diff listing exactly the tasks it moved, with reasons."""
import os
import signal
import time
from datetime import datetime, timedelta, timezone

import psycopg

from tests.pipelines.conftest import DISPATCHER, TECHNICIAN_ANA, TECHNICIAN_BEN
from tests.support.environment import child_environment
from tests.support.polling import wait_until
from tests.support.processes import BAYFLOW, ProcessGroups

TASK_ROW = "select * from public.tasks order by id"  # every column: "byte-identical" means the whole row


def _seed_work(stack, orders: int = 8) -> None:
    """`orders` work orders of two 60-minute tasks each (the second after the first), any technician, no bay."""
    with psycopg.connect(stack.db_url) as conn:
        for n in range(orders):
            wo = conn.execute("insert into public.work_orders (description, priority, status) values (%s, 3, 'planned')"
                              " returning id", (f"job {n}",)).fetchone()[0]
            first, second = (conn.execute(
                "insert into public.tasks (work_order_id, position, name, duration_minutes, required_skill)"
                " values (%s, %s, %s, 60, 'general') returning id", (wo, p, f"Job {n} step {p}")).fetchone()[0]
                for p in (1, 2))
            conn.execute("insert into public.task_dependencies (task_id, depends_on_task_id) values (%s, %s)",
                         (second, first))


def _runs(stack) -> list[tuple]:
    return stack.sql("select id::text, scope, changes from public.schedule_runs order by created_at, id")


def _wait_runs(stack, count: int) -> list[tuple]:
    """Wait until `count` schedule runs exist and the queue is idle; then no further run may appear."""
    stack.wait_until(f"{count} schedule run(s)", lambda: len(_runs(stack)) >= count and stack.queue_drained(), 90)
    time.sleep(1.5)  # a stray second run would be enqueued at once (no delay on triggers)
    runs = _runs(stack)
    assert len(runs) == count and stack.queue_drained(), runs
    return runs


def _rows(stack) -> dict[str, tuple]:
    return {str(r[0]): r for r in stack.sql(TASK_ROW)}


def test_a_change_moves_only_its_neighbourhood_and_the_diff_says_why(stack):
    _seed_work(stack)
    assert stack.call("POST", "/v1/schedule_runs", json={"scope": "full"}).status_code == 202
    (first, scope, _), = _wait_runs(stack, 1)
    placed = stack.sql("select id::text, assigned_technician_id::text, planned_start from public.tasks"
                       " where status = 'scheduled' order by planned_start")
    assert len(placed) == 16 and scope == "full"

    # A dispatcher locks one of Ben's later tasks where it is; Ana starts her first task.
    bens = [t for t, tech, _ in placed if tech == TECHNICIAN_BEN]
    anas = [t for t, tech, _ in placed if tech == TECHNICIAN_ANA]
    locked, started = bens[-1], anas[0]
    stack.sql("update public.tasks set lock_start = true, lock_technician = true where id = %s returning id", (locked,))
    stack.sql("update public.tasks set status = 'in_progress' where id = %s returning id", (started,))
    runs = _wait_runs(stack, 2)
    assert runs[-1][1] == "partial" and [c["reason"] for c in runs[-1][2]] == [f"'{_name(stack, started)}' started"]

    before = _rows(stack)
    now = datetime.now(timezone.utc)
    late = next(t for t in reversed(anas) if before[t][_col(stack, "planned_start")] > now + timedelta(hours=3))
    stack.sql("update public.tasks set duration_minutes = duration_minutes + 60 where id = %s returning id", (late,))
    (run, scope, changes) = _wait_runs(stack, 3)[-1]
    after = _rows(stack)
    assert scope == "partial" and [c["reason"] for c in changes] == [f"'{_name(stack, late)}' running 60 min over"]

    diff = stack.call("GET", f"/v1/schedule_runs/{run}/diff").json()
    listed = {t["task_id"] for key in ("moved", "newly_placed", "unplaced") for t in diff[key]}
    changed = {t for t in before if after[t] != before[t]} - {late}
    assert changed == listed - {late}  # the diff lists exactly the tasks the run moved (the longer one: its end) ...
    assert all(t["why"] and t["why"][0] for key in ("moved", "newly_placed", "unplaced") for t in diff[key])
    for task in set(before) - changed - {late}:  # ... and every other row, version included, is as it was
        assert after[task] == before[task]
    assert after[locked] == before[locked] and after[started] == before[started]
    start = _col(stack, "planned_start")
    frozen = {t for t, row in before.items() if row[start] is not None and row[start] < now + timedelta(minutes=120)}
    assert not (frozen & changed), "a task in the frozen window moved"
    assert diff["changes"] == [f"'{_name(stack, late)}' running 60 min over"]


def test_every_trigger_kind_is_answered_by_one_coalesced_run(stack):
    _seed_work(stack, orders=4)
    assert stack.call("POST", "/v1/schedule_runs", json={"scope": "full"}).status_code == 202
    _wait_runs(stack, 1)
    task, work_order = stack.sql("select id::text, work_order_id::text from public.tasks where status = 'scheduled'"
                                 " order by planned_start desc limit 1")[0]
    with psycopg.connect(stack.db_url) as conn:  # all database triggers, one transaction
        conn.execute("update public.tasks set duration_minutes = 90 where id = %s", (task,))
        conn.execute("update public.tasks set needs_parts = true, parts_ready_at = now() + interval '1 day'"
                     " where id = %s", (task,))
        conn.execute("insert into public.calendar_events (kind, technician_id, starts_at, ends_at)"
                     " values ('time_off', %s, now() + interval '5 hours', now() + interval '9 hours')",
                     (TECHNICIAN_ANA,))
        conn.execute("update public.work_orders set priority = 5, due_at = now() + interval '1 day' where id = %s",
                     (work_order,))
    (_, scope, changes) = _wait_runs(stack, 2)[-1]
    reasons = [c["reason"] for c in changes]
    assert scope == "partial" and len(reasons) == 4, reasons
    assert reasons[0].endswith("running 30 min over") and reasons[1].startswith("parts for '")
    assert "Ana's time off" in reasons and any(r.startswith("rush work order WO-") for r in reasons)

    # A dispatcher's move, then a partial and a full request: each answered; requests made together, by one run.
    moved = stack.call("POST", "/v1/schedule/moves", json={"task_id": task, "technician_id": TECHNICIAN_BEN})
    assert moved.status_code == 200, moved.text
    (_, scope, changes) = _wait_runs(stack, 3)[-1]
    assert (scope, [c["reason"] for c in changes]) == ("partial", [f"dispatcher moved '{_name(stack, task)}'"])
    assert stack.sql("select assigned_technician_id::text, lock_technician from public.tasks where id = %s",
                     (task,)) == [(TECHNICIAN_BEN, True)]
    # A staff PATCH of a task's placement is a dispatcher's move too (forced past the what-if, here).
    other = stack.sql("select id::text, version from public.tasks where status = 'scheduled' and id <> %s"
                      " and assigned_technician_id <> %s order by planned_start desc limit 1",
                      (task, TECHNICIAN_ANA))[0]
    patched = stack.http.request("PATCH", f"/v1/tasks/{other[0]}",
                                 json={"assigned_technician_id": TECHNICIAN_ANA, "force": True},
                                 headers={**stack.headers(DISPATCHER), "If-Match": f'"{other[1]}"'})
    assert patched.status_code == 200, patched.text
    (_, scope, changes) = _wait_runs(stack, 4)[-1]
    assert (scope, [c["reason"] for c in changes]) == ("partial", [f"dispatcher moved '{_name(stack, other[0])}'"])
    worker = stack.processes.procs[-1].pid
    os.killpg(worker, signal.SIGSTOP)  # the worker pauses: both requests wait for the same run
    try:
        partial = stack.call("POST", "/v1/schedule_runs", json={"scope": "partial"}).json()["pipeline_run_id"]
        full = stack.call("POST", "/v1/schedule_runs", json={"scope": "full"}).json()["pipeline_run_id"]
    finally:
        os.killpg(worker, signal.SIGCONT)
    assert partial == full
    (_, scope, changes) = _wait_runs(stack, 5)[-1]
    assert scope == "full" and [c["kind"] for c in changes] == ["request", "request"]


def test_the_nightly_run_fires_once_with_two_worker_processes(new_database, tmp_path):
    db_url = new_database()
    with psycopg.connect(db_url) as conn:
        conn.execute("update public.shop_settings set timezone = 'Europe/Paris'")
    env = child_environment(database_url=db_url, bayflow_home=tmp_path, bayflow_solver_time_limit_s=1,
                            bayflow_reopt_nightly_cron="0 2 * * *", bayflow_job_lease_s=5)
    workers = ProcessGroups(tmp_path)
    try:
        for n in (1, 2):
            workers.spawn(f"worker-{n}", [BAYFLOW, "worker", "--processes", "1", "--threads", "2"], env)

        def schedule():
            with psycopg.connect(db_url) as conn:
                return conn.execute("select cron, timezone from public.periodic_schedules"
                                    " where name = 'nightly_reoptimization'").fetchall()
        assert wait_until(schedule, 90, message="the nightly schedule synced") == [("0 2 * * *", "Europe/Paris")]
        with psycopg.connect(db_url) as conn:  # 02:00 has come
            conn.execute("update public.periodic_schedules set next_run_at = now()"
                         " where name = 'nightly_reoptimization'")

        def answered():
            with psycopg.connect(db_url) as conn:
                return conn.execute("select scope, changes from public.schedule_runs").fetchall()
        (scope, changes), = wait_until(answered, 60, message="the nightly run",
                                       details=lambda: workers.log("worker-1") + workers.log("worker-2"))
        time.sleep(3)  # both workers have ticked several times since
        with psycopg.connect(db_url) as conn:
            jobs = conn.execute("select count(*) from public.job_queue"
                                " where actor = 'nightly_reoptimization'").fetchone()[0]
            runs = conn.execute("select count(*) from public.schedule_runs").fetchone()[0]
            next_run = conn.execute("select next_run_at at time zone 'Europe/Paris' from public.periodic_schedules"
                                    " where name = 'nightly_reoptimization'").fetchone()[0]
        assert (jobs, runs, scope, changes) == \
            (1, 1, "full", [{"kind": "nightly", "reason": "nightly re-optimization"}])
        assert (next_run.hour, next_run.minute) == (2, 0)
    finally:
        workers.close(grace_s=10)


def _name(stack, task: str) -> str:
    return stack.sql("select name from public.tasks where id = %s", (task,))[0][0]


def _col(stack, column: str) -> int:
    return [r[0] for r in stack.sql("select attname from pg_attribute where attrelid = 'public.tasks'::regclass"
                                    " and attnum > 0 and not attisdropped order by attnum")].index(column)
