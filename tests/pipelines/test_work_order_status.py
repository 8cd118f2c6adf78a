"""A work order's status follows its tasks in the database, and a schedule run with work left out
shows in `/v1/ops/schedule` and `/metrics`."""
from datetime import datetime, timezone

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pipelines.schedule_run import run_schedule
from scheduler import SolverParameters
from tests.support.shop import DISPATCHER, seed_people

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)  # a Monday
FAST = SolverParameters(time_limit_s=2, num_workers=2)
WO_FULL, WO_SHORT = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"

SHOP = """
insert into public.calendar_events (kind, technician_id, starts_at, ends_at, recurrence, recurrence_until) values
  ('shift', '00000000-0000-4000-c000-000000000011', '2026-11-30 08:00Z', '2026-11-30 16:00Z', 'weekdays', '2026-12-31'),
  ('shift', '00000000-0000-4000-c000-000000000012', '2026-11-30 08:00Z', '2026-11-30 16:00Z', 'weekdays', '2026-12-31');
insert into public.work_orders (id, description, priority, due_at, status) values
  ('00000000-0000-0000-0000-000000000001', 'Brakes squeal', 3, '2026-11-30 12:00Z', 'planned'),
  ('00000000-0000-0000-0000-000000000002', 'Brake overhaul, parts on order', 2, '2026-12-01 12:00Z', 'planned');
insert into public.tasks (id, work_order_id, position, name, duration_minutes, required_skill, needs_parts) values
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 1, 'Inspect', 30, 'brakes', false),
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000001', 2, 'Pads', 60, 'brakes', false),
  ('00000000-0000-0000-0000-000000000021', '00000000-0000-0000-0000-000000000002', 1, 'Strip', 60, 'brakes', false),
  ('00000000-0000-0000-0000-000000000022', '00000000-0000-0000-0000-000000000002', 2, 'Calipers', 90, 'brakes', true),
  ('00000000-0000-0000-0000-000000000023', '00000000-0000-0000-0000-000000000002', 3, 'Discs', 90, 'brakes', true),
  ('00000000-0000-0000-0000-000000000024', '00000000-0000-0000-0000-000000000002', 4, 'Bleed', 30, 'brakes', true);
"""


@pytest.fixture
def shop(db_url):
    with psycopg.connect(db_url) as conn:
        seed_people(conn)
        conn.execute(SHOP)
    return db_url


def statuses(conn) -> dict[str, str]:
    return dict(conn.execute("select id::text, status from public.work_orders").fetchall())


def test_statuses_follow_the_tasks(shop):
    with psycopg.connect(shop) as conn:
        assert statuses(conn) == {WO_FULL: "planned", WO_SHORT: "planned"}
        run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
        # 3 of 4 tasks wait on parts with no ETA: at risk, not scheduled, with the reasons kept.
        assert statuses(conn) == {WO_FULL: "scheduled", WO_SHORT: "at_risk"}
        reasons = dict(conn.execute("select name, unplaced_reason from public.tasks where work_order_id = %s",
                                    (WO_SHORT,)).fetchall())
        assert reasons == {"Strip": None, "Calipers": "waiting on parts: no ETA",
                           "Discs": "waiting on parts: no ETA", "Bleed": "waiting on parts: no ETA"}

        conn.execute("update public.tasks set needs_parts = false where work_order_id = %s", (WO_SHORT,))
        conn.commit()
        run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
        assert statuses(conn) == {WO_FULL: "scheduled", WO_SHORT: "scheduled"}

        conn.execute("update public.tasks set status = 'in_progress' where name = 'Inspect'")
        assert statuses(conn)[WO_FULL] == "in_progress"
        conn.execute("update public.tasks set status = 'done' where work_order_id = %s", (WO_FULL,))
        assert statuses(conn)[WO_FULL] == "done"
        conn.commit()

        # Pipeline states and cancelled stay as their owners set them.
        conn.execute("update public.work_orders set status = 'needs_review' where id = %s", (WO_SHORT,))
        conn.execute("update public.tasks set status = 'pending' where work_order_id = %s", (WO_SHORT,))
        assert statuses(conn)[WO_SHORT] == "needs_review"
        conn.execute("update public.work_orders set status = 'cancelled' where id = %s", (WO_SHORT,))
        conn.execute("update public.tasks set status = 'done' where work_order_id = %s", (WO_SHORT,))
        assert statuses(conn)[WO_SHORT] == "cancelled"


def test_a_new_work_order_leaves_new_once_its_tasks_are_scheduled(shop):
    """Seeded work orders come in `new` with their tasks; the first schedule run moves them on."""
    with psycopg.connect(shop) as conn:
        conn.execute("update public.work_orders set status = 'new'")
        conn.execute("update public.tasks set needs_parts = false")
        conn.execute("insert into public.tasks (work_order_id, name, duration_minutes) values (%s, 'Extra', 15)",
                     (WO_FULL,))
        assert statuses(conn) == {WO_FULL: "new", WO_SHORT: "new"}  # nothing placed yet
        conn.commit()
        run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
        assert statuses(conn) == {WO_FULL: "scheduled", WO_SHORT: "scheduled"}


def test_unplaced_work_shows_in_ops_and_metrics(shop, supabase_auth, tmp_path):
    with psycopg.connect(shop) as conn:
        run_id = run_schedule(conn, "test", now=NOW, time_limit_s=FAST.time_limit_s)
    app = create_app(supabase_auth.app_settings(shop, tmp_path, bayflow_metrics_token="scraper-token"))
    with TestClient(app, raise_server_exceptions=False) as client:
        stats = client.get("/v1/ops/schedule", headers=supabase_auth.headers(DISPATCHER))
        assert stats.status_code == 200, stats.text
        assert stats.json() | {"last_run_at": None} == {
            "last_run_id": str(run_id), "last_run_at": None, "placed_tasks": 3, "unplaced_tasks": 3,
            "unplaced_minutes": 210, "at_risk_work_orders": 1}
        metrics = client.get("/metrics", headers={"Authorization": "Bearer scraper-token"}).text
        assert "bayflow_schedule_unplaced_tasks 3.0" in metrics
        assert "bayflow_schedule_at_risk_work_orders 1.0" in metrics
        task = client.get("/v1/tasks/00000000-0000-0000-0000-000000000022",
                          headers=supabase_auth.headers(DISPATCHER)).json()
        assert task["unplaced_reason"] == "waiting on parts: no ETA"
