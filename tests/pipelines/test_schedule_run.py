"""run_schedule against a real Postgres: one run, its items and the plan on the tasks, in one transaction."""
from datetime import datetime, timezone

import psycopg
import pytest

from pipelines.schedule_run import StaleSchedule, run_schedule
from scheduler import SolverParameters
from tests.support.shop import LIFT_1, seed_lifts, seed_people

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)  # a Monday; shifts start 08:00 UTC
FAST = SolverParameters(time_limit_s=5, num_workers=2)

# On the shared shop (tests/support/shop.py): Ana ...c000-...11 (the only one with diagnostics), Ben ...c000-...12,
# Lift 1 ...d000-...01.
SHOP = """
insert into public.calendar_events (kind, technician_id, starts_at, ends_at, recurrence, recurrence_until) values
  ('shift', '00000000-0000-4000-c000-000000000011', '2026-11-30 08:00Z', '2026-11-30 16:00Z', 'weekdays', '2026-12-31'),
  ('shift', '00000000-0000-4000-c000-000000000012', '2026-11-30 08:00Z', '2026-11-30 16:00Z', 'weekdays', '2026-12-31');
insert into public.calendar_events (kind, bay_id, starts_at, ends_at) values
  ('bay_downtime', '00000000-0000-4000-d000-000000000001', '2026-11-30 08:00Z', '2026-11-30 09:00Z');
insert into public.work_orders (id, description, priority, due_at) values
  ('00000000-0000-0000-0000-000000000001', 'Brakes squeal', 3, '2026-11-30 12:00Z'),
  ('00000000-0000-0000-0000-000000000002', 'Check engine light', 5, '2026-11-30 15:00Z');
insert into public.tasks (id, work_order_id, position, name, duration_minutes, required_skill, required_bay_type,
                          needs_parts, parts_ready_at) values
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 1, 'Inspect brakes', 30,
   'brakes', 'lift', false, null),
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000001', 2, 'Replace pads', 60,
   'brakes', 'lift', true, '2026-11-30 10:30Z'),
  ('00000000-0000-0000-0000-000000000021', '00000000-0000-0000-0000-000000000002', 1, 'Scan codes', 45,
   'diagnostics', null, false, null),
  ('00000000-0000-0000-0000-000000000022', '00000000-0000-0000-0000-000000000002', 2, 'Replace sensor', 30,
   'diagnostics', null, true, null);
insert into public.task_dependencies (task_id, depends_on_task_id) values
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000011'),
  ('00000000-0000-0000-0000-000000000022', '00000000-0000-0000-0000-000000000021');
"""


@pytest.fixture
def shop(db_url):
    with psycopg.connect(db_url) as conn:
        seed_people(conn)
        seed_lifts(conn, [LIFT_1])
        conn.execute(SHOP)
        conn.commit()
    return db_url


def test_run_writes_one_run_with_items_and_plans_the_tasks(shop):
    with psycopg.connect(shop) as conn:
        run_id = run_schedule(conn, "test: manual", now=NOW, time_limit_s=FAST.time_limit_s)
        run = conn.execute("select status, objective_value, objective_breakdown, triggered_by, diagnoses, "
                           "solver_parameters, input_hash from public.schedule_runs").fetchall()
        assert len(run) == 1
        status, objective, breakdown, who, diagnoses, parameters, digest = run[0]
        assert status == "optimal" and who == "test: manual" and len(digest) == 64
        assert set(breakdown) == {"tardiness", "completion", "stability"} and objective > 0
        assert parameters["num_workers"] == 2 and "random_seed" in parameters
        assert [(d["task"], d["kind"]) for d in diagnoses] == \
            [("00000000-0000-0000-0000-000000000022", "waiting_on_parts")]
        items = {str(t): (str(tech) if tech else None, s, why) for t, tech, s, why in conn.execute(
            "select task_id, technician_id, starts_at, why from public.schedule_items where run_id = %s", (run_id,))}
        assert len(items) == 4
        inspect = items["00000000-0000-0000-0000-000000000011"]
        assert inspect[1] == datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # the lift is down until 09:00
        assert "bay 'Lift 1' is down until 09:00" in inspect[2]
        pads = items["00000000-0000-0000-0000-000000000012"]
        assert pads[1] == datetime(2026, 11, 30, 10, 30, tzinfo=timezone.utc)
        assert "starts 10:30: parts arrive 10:30" in pads[2]
        sensor = items["00000000-0000-0000-0000-000000000022"]
        assert sensor[:2] == (None, None) and sensor[2] == ["waiting on parts: no ETA"]
        tasks = {row[0]: row[1:] for row in conn.execute(
            "select id::text, status, planned_start, assigned_technician_id::text from public.tasks")}
        assert tasks["00000000-0000-0000-0000-000000000021"] == (
            "scheduled", datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc), "00000000-0000-4000-c000-000000000011")
        assert tasks["00000000-0000-0000-0000-000000000022"] == ("pending", None, None)


def test_locked_fields_are_kept(shop):
    with psycopg.connect(shop) as conn:
        conn.execute("update public.tasks set assigned_technician_id = '00000000-0000-4000-c000-000000000012', "
                     "lock_technician = true, planned_start = '2026-11-30 13:00Z', planned_end = '2026-11-30 13:30Z', "
                     "lock_start = true where id = '00000000-0000-0000-0000-000000000011'")
        conn.commit()
        run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
        row = conn.execute("select planned_start, assigned_technician_id::text, status from public.tasks "
                           "where id = '00000000-0000-0000-0000-000000000011'").fetchone()
        assert row == (datetime(2026, 11, 30, 13, 0, tzinfo=timezone.utc), "00000000-0000-4000-c000-000000000012",
                       "scheduled")
        why = conn.execute("select why from public.schedule_items"
                           " where task_id = '00000000-0000-0000-0000-000000000011'").fetchone()[0]
        assert "locked by dispatcher (start, technician)" in why


def test_a_task_changed_during_the_solve_rolls_back_everything(shop, monkeypatch):
    """The write is one transaction: a stale task leaves no run, no items and no plan behind."""
    import pipelines.schedule_run as module

    real_solve = module.solve

    def solve_while_a_dispatcher_edits(problem, params):
        with psycopg.connect(shop) as other:
            other.execute("update public.tasks set notes = 'edited' where id = '00000000-0000-0000-0000-000000000012'")
        return real_solve(problem, params)

    monkeypatch.setattr(module, "solve", solve_while_a_dispatcher_edits)
    with psycopg.connect(shop) as conn:
        with pytest.raises(StaleSchedule, match="000000000012"):
            run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
        conn.rollback()
        assert conn.execute("select count(*) from public.schedule_runs").fetchone()[0] == 0
        assert conn.execute("select count(*) from public.schedule_items").fetchone()[0] == 0
        assert conn.execute("select count(*) from public.tasks where planned_start is not null").fetchone()[0] == 0


def test_in_progress_work_blocks_its_technician_and_is_left_alone(shop):
    with psycopg.connect(shop) as conn:
        conn.execute("""
            insert into public.tasks (id, work_order_id, name, duration_minutes, required_skill, status,
                                      assigned_technician_id, planned_start, planned_end)
            values ('00000000-0000-0000-0000-000000000031', '00000000-0000-0000-0000-000000000002', 'Rewire',
                    120, 'diagnostics', 'in_progress', '00000000-0000-4000-c000-000000000011',
                    '2026-11-30 06:30Z', '2026-11-30 10:00Z')""")
        conn.commit()
        run_id = run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
        start, why = conn.execute("select starts_at, why from public.schedule_items where run_id = %s and "
                                  "task_id = '00000000-0000-0000-0000-000000000021'", (run_id,)).fetchone()
        assert start == datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
        assert "Ana is busy with 'Rewire' until 10:00" in why
        assert conn.execute("select status, planned_start from public.tasks where id = "
                            "'00000000-0000-0000-0000-000000000031'").fetchone() == (
            "in_progress", datetime(2026, 11, 30, 6, 30, tzinfo=timezone.utc))
        assert conn.execute("select count(*) from public.schedule_items where task_id = "
                            "'00000000-0000-0000-0000-000000000031'").fetchone()[0] == 0


def test_a_task_due_now_stays_until_its_end_passes_unstarted(shop):
    """Its start passed ten minutes ago and nobody started it: the next run leaves it where it is (the
    frozen window), saying so; once its planned end has passed too, it is re-placed from now."""
    scan = "00000000-0000-0000-0000-000000000021"
    task_row = "select assigned_technician_id, planned_start, planned_end, version from public.tasks where id = %s"
    with psycopg.connect(shop) as conn:
        run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
        planned = conn.execute(task_row, (scan,)).fetchone()
        assert planned[1] == datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)

        run_id = run_schedule(conn, "test", now=datetime(2026, 11, 30, 8, 10, tzinfo=timezone.utc),
                              time_limit_s=FAST.time_limit_s)
        assert conn.execute(task_row, (scan,)).fetchone() == planned
        start, why = conn.execute("select starts_at, why from public.schedule_items where run_id = %s"
                                  " and task_id = %s", (run_id, scan)).fetchone()
        assert start == planned[1] and why[0].startswith("due now")
        assert conn.execute("select count(*) from public.schedule_run_moves where run_id = %s and task_id = %s",
                            (run_id, scan)).fetchone()[0] == 0

        run_schedule(conn, "test", now=datetime(2026, 11, 30, 8, 50, tzinfo=timezone.utc),
                     time_limit_s=FAST.time_limit_s)
        assert conn.execute(task_row, (scan,)).fetchone()[1] >= datetime(2026, 11, 30, 8, 50, tzinfo=timezone.utc)


def test_recurring_shifts_follow_local_time_and_skip_weekends():
    from datetime import date, timedelta
    from zoneinfo import ZoneInfo

    from pipelines.schedule_run import occurrences

    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 27, 0, 0, tzinfo=timezone.utc)  # a Friday; DST starts Sunday 29 March
    shift = datetime(2026, 3, 2, 8, 0, tzinfo=berlin)
    found = list(occurrences(shift, shift + timedelta(hours=8), "weekdays", date(2026, 12, 31), berlin,
                             start, start + timedelta(days=4)))
    assert [o.astimezone(berlin).strftime("%a %H:%M") for o, _ in found] == ["Fri 08:00", "Mon 08:00"]
    assert [o.hour for o, _ in found] == [7, 6]  # 08:00 CET, then 08:00 CEST in UTC


def test_reasons_read_in_the_shops_local_time(shop):
    with psycopg.connect(shop) as conn:
        conn.execute("update public.shop_settings set timezone = 'America/Chicago'")
        conn.commit()
        run_id = run_schedule(conn, "test: manual", now=NOW, time_limit_s=FAST.time_limit_s)
        (why,) = conn.execute("select why from public.schedule_items where run_id = %s and task_id = %s",
                              (run_id, "00000000-0000-0000-0000-000000000012")).fetchone()
    assert "starts 04:30: parts arrive 04:30" in why  # 10:30 UTC is 04:30 in Chicago


def test_paused_work_keeps_its_technician_and_time_and_its_status(shop):
    with psycopg.connect(shop) as conn:
        conn.execute("""
            insert into public.tasks (id, work_order_id, name, duration_minutes, required_skill, status,
                                      assigned_technician_id, planned_start, planned_end)
            values ('00000000-0000-0000-0000-000000000031', '00000000-0000-0000-0000-000000000002', 'Rewire',
                    120, 'diagnostics', 'paused', '00000000-0000-4000-c000-000000000011',
                    '2026-11-30 06:30Z', '2026-11-30 10:00Z')""")
        conn.commit()
        run_id = run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
        start, why = conn.execute("select starts_at, why from public.schedule_items where run_id = %s and "
                                  "task_id = '00000000-0000-0000-0000-000000000021'", (run_id,)).fetchone()
        assert start == datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)  # Ana's time up to 10:00 is reserved
        assert "Ana is busy with 'Rewire' until 10:00" in why
        assert conn.execute("select status, assigned_technician_id::text, planned_start from public.tasks where id = "
                            "'00000000-0000-0000-0000-000000000031'").fetchone() == (
            "paused", "00000000-0000-4000-c000-000000000011", datetime(2026, 11, 30, 6, 30, tzinfo=timezone.utc))


def test_a_blocked_task_stays_blocked_and_unplaced_and_its_dependents_wait(shop):
    with psycopg.connect(shop) as conn:
        conn.execute("""
            update public.tasks set status = 'blocked', blocked_reason = 'caliper seized',
                   assigned_technician_id = '00000000-0000-4000-c000-000000000012',
                   planned_start = '2026-11-30 09:00Z', planned_end = '2026-11-30 09:30Z'
             where id = '00000000-0000-0000-0000-000000000011'""")
        conn.commit()
        run_id = run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
        items = {str(t): (s, why) for t, s, why in conn.execute(
            "select task_id, starts_at, why from public.schedule_items where run_id = %s", (run_id,))}
        assert items["00000000-0000-0000-0000-000000000011"] == (None, ["blocked: caliper seized"])
        assert items["00000000-0000-0000-0000-000000000012"] == (
            None, ["waits on 'Inspect brakes', blocked: caliper seized"])
        assert items["00000000-0000-0000-0000-000000000021"][0] is not None  # the rest of the shop is planned
        assert conn.execute("select unplaced_tasks from public.schedule_runs where id = %s",
                            (run_id,)).fetchone() == (3,)  # with the sensor, waiting on parts
        blocked = conn.execute("select status, blocked_reason, assigned_technician_id::text, planned_start "
                               "from public.tasks where id = '00000000-0000-0000-0000-000000000011'").fetchone()
        assert blocked == ("blocked", "caliper seized", "00000000-0000-4000-c000-000000000012",
                           datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))  # its technician keeps it
        assert conn.execute("select status, planned_start, unplaced_reason from public.tasks where id = "
                            "'00000000-0000-0000-0000-000000000012'").fetchone() == (
            "pending", None, "waits on 'Inspect brakes', blocked: caliper seized")
