"""The demo shop: loads in one transaction, twice without duplicates, times in the shop's timezone."""
import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest

from bayflow.seed import DEMO_SHOP, SeedError, load_demo_shop, load_seed
from tests.support.environment import child_environment
from tests.support.processes import BAYFLOW

SKILLS = {"general", "brakes", "engine", "electrical", "diagnostics", "hvac", "transmission", "suspension", "tires",
          "hydraulics"}
TABLES = ["auth.users", "profiles", "technicians", "bays", "calendar_events", "work_orders", "tasks",
          "task_dependencies"]


def counts(conn) -> dict:
    return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def scalar(conn, query, *params):
    return conn.execute(query, params).fetchone()[0]


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def untouched_conn(new_database):
    """One database for the tests of files rejected before anything is written."""
    with psycopg.connect(new_database(), autocommit=True) as conn:
        yield conn


def test_demo_shop_loads_twice_without_duplicates(conn):
    seed = json.loads(DEMO_SHOP.read_text())
    now = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)
    load_demo_shop(conn, now=now)
    first = counts(conn)
    ids = conn.execute("select id, number from work_orders order by id").fetchall()
    audit_entries = scalar(conn, "select count(*) from audit_log")
    load_demo_shop(conn, now=now)
    assert counts(conn) == first
    assert conn.execute("select id, number from work_orders order by id").fetchall() == ids
    assert scalar(conn, "select count(*) from audit_log") == audit_entries  # nothing rewritten
    assert first == {
        "auth.users": 11, "profiles": 11, "technicians": 8, "bays": 5, "calendar_events": 12, "work_orders": 25,
        "tasks": sum(len(w["tasks"]) for w in seed["work_orders"]),
        "task_dependencies": sum(len(t.get("after", [])) for w in seed["work_orders"] for t in w["tasks"]),
    }


def test_reloading_restores_seeded_rows(conn):
    load_demo_shop(conn)
    conn.execute("update work_orders set priority = 1, customer_phone = null where external_id = 'WO-1004'")
    load_demo_shop(conn)
    assert conn.execute("select priority, customer_phone from work_orders"
                        " where external_id = 'WO-1004'").fetchone() == \
        (5, "+1 708-555-0190")


def test_demo_shop_has_the_people_bays_and_calendar(conn):
    load_demo_shop(conn)
    assert dict(conn.execute("select role, count(*) from profiles group by role").fetchall()) == \
        {"admin": 1, "dispatcher": 2, "tech": 8}
    assert scalar(conn, "select u.email from auth.users u join profiles p using (id) where p.role = 'admin'") == \
        "admin@demo.bayflow.dev"
    assert scalar(conn, "select count(*) from technicians t join profiles p on p.id = t.profile_id"
                        " where p.role = 'tech'") == 8
    skills = [set(s) for (s,) in conn.execute("select skills from technicians")]
    assert set().union(*skills) == SKILLS and len({frozenset(s) for s in skills}) == 8
    assert dict(conn.execute("select bay_type, count(*) from bays group by bay_type").fetchall()) == \
        {"lift": 3, "alignment": 1, "heavy": 1}
    assert scalar(conn, "select count(distinct technician_id) from calendar_events"
                        " where kind = 'shift' and recurrence = 'weekdays'") == 8
    assert scalar(conn, "select count(distinct (starts_at::time, ends_at::time)) from calendar_events"
                        " where kind = 'shift'") > 3
    assert scalar(conn, "select count(*) from calendar_events where kind = 'time_off'") >= 2
    assert scalar(conn, "select count(*) from calendar_events where kind = 'bay_downtime'") == 1


def test_demo_shop_work_orders_are_schedulable(conn):
    load_demo_shop(conn)
    assert scalar(conn, "select array_agg(distinct priority order by priority) from work_orders") == [1, 2, 3, 4, 5]
    assert scalar(conn, "select count(*) from work_orders w"
                        " where not exists (select from tasks t where t.work_order_id = w.id)") == 0
    assert scalar(conn, "select count(*) from work_orders where asset_kind = 'equipment'") >= 3
    assert scalar(conn, "select bool_and(due_at > now() - interval '1 day') from work_orders")
    assert set(scalar(conn, "select array_agg(distinct required_skill) from tasks")) <= SKILLS
    assert scalar(conn, "select count(*) from tasks where required_skill is null") == 0
    assert set(scalar(conn, "select array_agg(distinct required_bay_type) from tasks"
                            " where required_bay_type is not null")) == \
        {"lift", "alignment", "heavy"}
    assert scalar(conn, "select count(*) from task_dependencies") >= 15
    assert scalar(conn, "select count(*) from tasks where needs_parts and parts_ready_at > now()") >= 2
    assert scalar(conn, "select count(*) from tasks where needs_parts and parts_ready_at is null") in (1, 2)


def test_seeded_rows_are_audited_as_the_seed(conn):
    load_demo_shop(conn)
    assert conn.execute("select distinct actor from audit_log").fetchall() == [("seed",)]


def test_seeded_tech_sees_only_their_tasks(conn):
    load_demo_shop(conn)
    ben = scalar(conn, "select id from auth.users where email = 'ben@demo.bayflow.dev'")
    with conn.transaction():
        conn.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
                     (json.dumps({"sub": str(ben)}),))
        names = {n for (n,) in conn.execute("select name from tasks")}
        orders = conn.execute("select count(*) from tech_work_orders").fetchone()[0]
    assert names == {"Inspect front brakes", "Replace front pads and rotors"}
    assert orders == 1


def test_times_are_placed_in_the_shop_timezone_across_dst(conn):
    # Saturday before US DST starts (2026-03-08): "+1d 17:00" is CDT, this week's Monday is CST.
    load_demo_shop(conn, now=datetime(2026, 3, 7, 15, 0, tzinfo=timezone.utc))
    assert scalar(conn, "select timezone from shop_settings") == "America/Chicago"
    assert scalar(conn, "select due_at from work_orders where external_id = 'WO-1001'") == \
        datetime(2026, 3, 8, 22, 0, tzinfo=timezone.utc)
    assert scalar(conn, "select starts_at from calendar_events c join technicians t on t.id = c.technician_id"
                        " where t.name = 'Ana Lopez' and kind = 'shift'") == \
        datetime(2026, 3, 2, 13, 0, tzinfo=timezone.utc)
    assert scalar(conn, "select recurrence_until from calendar_events where kind = 'shift'"
                        " limit 1").isoformat() == "2026-05-02"
    assert scalar(conn, "select planned_start from tasks where name = 'Inspect front brakes'") == \
        datetime(2026, 3, 7, 13, 0, tzinfo=timezone.utc)


def write_seed(tmp_path: Path, change) -> Path:
    seed = json.loads(DEMO_SHOP.read_text())
    change(seed)
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(seed))
    return path


@pytest.mark.parametrize("change, message", [
    (lambda s: s["work_orders"][2]["tasks"][0].update(required_skill="welding"),
     r"work_orders\[2\]\.tasks\[0\]\.required_skill: 'welding' is not one of"),
    (lambda s: s["bays"][0].update(bay_type="paint"), r"bays\[0\]\.bay_type: 'paint' is not one of"),
    (lambda s: s["work_orders"][0].update(due_at="tomorrow"), r"work_orders\[0\]\.due_at: 'tomorrow' does not match"),
    (lambda s: s["work_orders"][0]["tasks"][1].update(after=["nope"]),
     r"work_orders\[0\]\.tasks\[1\]\.after: no task of WO-1001 'nope'"),
    (lambda s: s["calendar_events"][0].update(technician="zed"),
     r"calendar_events\[0\]\.technician: no technician 'zed'"),
    (lambda s: s["bays"].append(dict(s["bays"][0])), r"bays\[5\]\.key: bay 'lift-1' is defined twice"),
    (lambda s: s["shop"].update(timezone="Mars/Olympus"), r"shop\.timezone: unknown timezone 'Mars/Olympus'"),
])
def test_invalid_seed_is_named_and_writes_nothing(untouched_conn, tmp_path, change, message):
    with pytest.raises(SeedError, match=f"shop.json: {message}"):
        load_seed(untouched_conn, write_seed(tmp_path, change))
    assert counts(untouched_conn) == dict.fromkeys(TABLES, 0)


def test_database_error_midway_writes_nothing(conn, tmp_path):
    conn.execute("insert into bays (name, bay_type) values ('Heavy Bay', 'heavy')")  # clashes with the seed's name
    with pytest.raises(psycopg.errors.UniqueViolation):
        load_seed(conn, write_seed(tmp_path, lambda s: None))
    assert counts(conn) | {"bays": 0} == dict.fromkeys(TABLES, 0)
    assert scalar(conn, "select name from shop_settings") == "bayflow shop"


def test_cli_seeds_and_reports_a_bad_file(db_url, tmp_path):
    env = child_environment(database_url=db_url)
    bayflow = [BAYFLOW, "db", "seed"]
    done = subprocess.run(bayflow, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "25 public.work_orders" in done.stdout
    bad = write_seed(tmp_path, lambda s: s["technicians"][0].update(skills=["juggling"]))
    failed = subprocess.run([*bayflow, "--file", str(bad)], env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 2
    assert "bayflow: shop.json: technicians[0].skills[0]: 'juggling' is not one of" in failed.stderr
