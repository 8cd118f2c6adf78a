"""Row level security, checked by direct SQL under each user's claims (no API in between)."""
import psycopg
import pytest
from psycopg import errors


def ids(conn, query, *params) -> set:
    return {row[0] for row in conn.execute(query, params).fetchall()}


def test_tech_sees_only_tasks_assigned_to_them(shop, as_profile):
    with as_profile(shop.ana) as conn:
        assert ids(conn, "select id from tasks") == {shop.task_ana}
    with as_profile(shop.ben) as conn:
        assert ids(conn, "select id from tasks") == {shop.task_ben}


def test_tech_reads_own_rows_only(shop, as_profile):
    with as_profile(shop.ana) as conn:
        assert ids(conn, "select id from technicians") == {shop.ana_tech}
        assert ids(conn, "select technician_id from calendar_events") == {shop.ana_tech}
        assert ids(conn, "select id from profiles") == {shop.ana}
        assert ids(conn, "select task_id from task_dependencies") == set()
        assert ids(conn, "select id from bays") == {shop.bay}
        assert conn.execute("select timezone from shop_settings").fetchone() == ("UTC",)


def test_tech_sees_their_work_orders_without_customer_contact(shop, as_profile):
    with as_profile(shop.ana) as conn:
        assert ids(conn, "select id from work_orders") == set()
        rows = conn.execute("select * from tech_work_orders").fetchall()
        columns = {c.name for c in conn.execute("select * from tech_work_orders").description}
    assert [r[0] for r in rows] == [shop.wo_ana]
    assert {"id", "number", "description", "asset_make", "priority", "due_at", "status"} <= columns
    assert not columns & {"customer_name", "customer_phone", "customer_email"}
    with as_profile(shop.ana) as conn, pytest.raises(errors.UndefinedColumn):
        conn.execute("select customer_phone from tech_work_orders")
    with as_profile(shop.dispatcher) as conn:  # staff use work_orders itself
        assert ids(conn, "select id from tech_work_orders") == set()


def test_tech_changes_status_and_notes_of_own_task(shop, as_profile, owner):
    with as_profile(shop.ana) as conn:
        row = conn.execute(
            "update tasks set status = 'in_progress', notes = 'pads ordered' where id = %s"
            " returning status, notes, version",
            (shop.task_ana,),
        ).fetchone()
    assert row == ("in_progress", "pads ordered", 2)
    assert owner.execute("select status from tasks where id = %s", (shop.task_ana,)).fetchone() == ("in_progress",)


def test_tech_cannot_change_other_columns_of_own_task(shop, as_profile, owner):
    for assignment, columns in [
        ("duration_minutes = 5", "duration_minutes"),
        ("bay_id = null", "bay_id"),
        ("planned_start = now(), planned_end = now() + interval '1 hour', status = 'done'",
         "planned_end, planned_start"),
    ]:
        with as_profile(shop.ana) as conn, pytest.raises(errors.InsufficientPrivilege) as caught:
            conn.execute(f"update tasks set {assignment} where id = %s", (shop.task_ana,))
        assert f"technicians may change only status, notes and blocked_reason of their tasks, not {columns}" \
            in str(caught.value)
    assert owner.execute("select status, duration_minutes, bay_id is not null, version from tasks where id = %s",
                         (shop.task_ana,)).fetchone() == ("pending", 90, True, 1)


def test_tech_cannot_hand_their_task_to_someone_else(shop, as_profile):
    with as_profile(shop.ana) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute("update tasks set assigned_technician_id = %s where id = %s", (shop.ben_tech, shop.task_ana))


def test_tech_cannot_touch_another_techs_task(shop, as_profile, owner):
    with as_profile(shop.ana) as conn:
        assert conn.execute("update tasks set status = 'done' where id = %s", (shop.task_ben,)).rowcount == 0
        assert conn.execute("delete from tasks where id = %s", (shop.task_ana,)).rowcount == 0
    assert owner.execute("select status from tasks where id = %s", (shop.task_ben,)).fetchone() == ("pending",)
    assert owner.execute("select count(*) from tasks").fetchone() == (3,)


def test_tech_cannot_create_shop_data(shop, as_profile):
    for statement in [
        "insert into work_orders (description) values ('sneaky')",
        "insert into tasks (work_order_id, name, duration_minutes) select id, 'x', 10 from tech_work_orders",
        "insert into calendar_events (kind, technician_id, starts_at, ends_at)"
        " select 'time_off', id, now(), now() + interval '1 day' from technicians",
    ]:
        with as_profile(shop.ana) as conn, pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(statement)


def test_dispatcher_reads_and_manages_all_shop_data(shop, as_profile):
    with as_profile(shop.dispatcher) as conn:
        assert ids(conn, "select id from tasks") == {shop.task_ana, shop.task_ben, shop.task_free}
        assert conn.execute("select customer_phone from work_orders where id = %s",
                            (shop.wo_ana,)).fetchone() == ("+1 312-555-0100",)
        assert ids(conn, "select id from profiles") == {shop.admin, shop.dispatcher, shop.ana, shop.ben}
        assert len(ids(conn, "select id from calendar_events")) == 2
        wo = conn.execute("insert into work_orders (description) values ('New job') returning id").fetchone()[0]
        conn.execute("insert into tasks (work_order_id, name, duration_minutes) values (%s, 'Look', 15)", (wo,))
        assert conn.execute("update tasks set assigned_technician_id = %s where id = %s",
                            (shop.ana_tech, shop.task_free)).rowcount == 1
        assert conn.execute("update shop_settings set timezone = 'Europe/Berlin'").rowcount == 1
        assert conn.execute("delete from bays where id = %s", (shop.bay,)).rowcount == 1


def test_only_admins_manage_profiles(shop, as_profile, owner):
    with as_profile(shop.dispatcher) as conn, pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        conn.execute("insert into profiles (id, role, display_name) values (%s, 'tech', 'New')", (shop.stranger,))
    with as_profile(shop.dispatcher) as conn:
        assert conn.execute("update profiles set role = 'admin' where id = %s", (shop.dispatcher,)).rowcount == 0
    with as_profile(shop.ana) as conn:
        assert conn.execute("update profiles set display_name = 'Boss' where id = %s", (shop.ana,)).rowcount == 0
    with as_profile(shop.admin) as conn:
        conn.execute("insert into profiles (id, role, display_name) values (%s, 'tech', 'New')", (shop.stranger,))
        assert conn.execute("update profiles set role = 'dispatcher' where id = %s", (shop.ana,)).rowcount == 1
    assert owner.execute("select role from profiles where id = %s", (shop.ana,)).fetchone() == ("dispatcher",)
    assert owner.execute("select count(*) from profiles").fetchone() == (5,)


def test_user_without_profile_sees_nothing(shop, as_profile):
    with as_profile(shop.stranger) as conn:
        for table in ("profiles", "technicians", "bays", "work_orders", "tech_work_orders", "tasks",
                      "task_dependencies", "calendar_events", "shop_settings", "audit_log"):
            assert conn.execute(f"select count(*) from {table}").fetchone() == (0,), table


def test_api_role_outside_a_request_fails_closed(shop, api_conn):
    for table in ["tasks", "work_orders", "tech_work_orders", "profiles", "audit_log"]:
        with pytest.raises(errors.InsufficientPrivilege, match=f"permission denied for (table|view) {table}"):
            api_conn.execute(f"select * from {table}")


def test_anon_gets_nothing(shop, owner):
    with owner.transaction():
        owner.execute("set local role anon")
        with pytest.raises(errors.InsufficientPrivilege):
            owner.execute("select * from tasks")


def test_service_role_bypasses_rls(shop, owner):
    with owner.transaction():
        owner.execute("set local role service_role")
        assert owner.execute("select count(*) from tasks").fetchone() == (3,)


def test_app_role_names_the_callers_profile_role(shop, as_profile):
    for profile, role in [(shop.admin, "admin"), (shop.dispatcher, "dispatcher"), (shop.ana, "tech"),
                          (shop.stranger, None)]:
        with as_profile(profile) as conn:
            assert conn.execute("select bayflow.app_role()").fetchone() == (role,)


def test_policies_use_per_statement_lookups(db_url):
    """Every policy calls auth.uid() and the role look-ups through `(select ...)`."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "select tablename, policyname, concat(qual, ' ', with_check) from pg_policies where schemaname = 'public'"
        ).fetchall()
    assert rows
    for table, policy, text in rows:
        for call in ("auth.uid()", "app_role()", "current_technician_id()"):
            assert text.count(call) == text.count(f"SELECT {call}") + text.count(f"SELECT bayflow.{call}"), \
                (table, policy)


def test_every_public_table_has_rls_enabled(db_url):
    """A table in the exposed schema without RLS would be readable by any signed-in user on Supabase."""
    with psycopg.connect(db_url) as conn:
        open_tables = conn.execute(
            "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'"
            " and not relrowsecurity"
        ).fetchall()
    assert open_tables == []


def test_security_definer_functions_pin_an_empty_search_path(db_url):
    """Otherwise a caller could shadow a table or function the definer's rights then reach."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "select p.oid::regprocedure::text, p.proconfig from pg_proc p"
            " where p.prosecdef and p.pronamespace::regnamespace::text not in ('pg_catalog', 'information_schema')"
        ).fetchall()
    assert {"bayflow.app_role()", "bayflow.current_technician_id()", "bayflow.audit_change()"} <= {r[0] for r in rows}
    assert [name for name, config in rows if 'search_path=""' not in (config or [])] == []
