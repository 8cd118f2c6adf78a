"""The audit log: written by triggers for every path, naming who did it; append-only."""
import psycopg
import pytest
from psycopg import errors

AUDIT_COLUMNS = ("table_name, row_id, action, actor, actor_profile_id, db_role, request_id, old_row, new_row,"
                 " changed_keys, diff")


def audit_rows(owner, **where):
    clause = " and ".join(f"{k} = %s" for k in where) or "true"
    cur = owner.execute(f"select {AUDIT_COLUMNS} from audit_log where {clause} order by id", tuple(where.values()))
    names = [c.name for c in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def test_request_changes_record_the_profile_request_and_diff(shop, as_profile, owner):
    with as_profile(shop.dispatcher, request_id="req-42") as conn:
        wo = str(conn.execute("insert into work_orders (description, priority) values ('Squeaky belt', 2)"
                              " returning id").fetchone()[0])
        conn.execute("update work_orders set priority = 4, description = 'Squeaky belt at cold start' where id = %s",
                     (wo,))
        conn.execute("delete from work_orders where id = %s", (wo,))
    inserted, updated, deleted = audit_rows(owner, row_id=wo)
    for row in (inserted, updated, deleted):
        assert (row["table_name"], row["actor"], row["actor_profile_id"], row["db_role"], row["request_id"]) == \
            ("work_orders", str(shop.dispatcher), shop.dispatcher, "authenticated", "req-42")
    assert inserted["action"] == "insert" and inserted["old_row"] is None
    assert inserted["new_row"]["priority"] == 2 and inserted["new_row"]["id"] == wo
    assert updated["action"] == "update"
    assert updated["changed_keys"] == ["description", "priority"]
    assert updated["diff"] == {
        "description": {"old": "Squeaky belt", "new": "Squeaky belt at cold start"},
        "priority": {"old": 2, "new": 4},
    }
    assert (updated["old_row"]["version"], updated["new_row"]["version"]) == (1, 2)
    assert deleted["action"] == "delete" and deleted["new_row"] is None
    assert deleted["old_row"]["description"] == "Squeaky belt at cold start"


def test_tech_change_is_audited_without_audit_grants(shop, as_profile, owner):
    with as_profile(shop.ana) as conn:
        conn.execute("update tasks set notes = 'pads worn' where id = %s", (shop.task_ana,))
    with as_profile(shop.ana) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute("insert into audit_log (table_name, row_id, action, actor, db_role)"
                     " values ('tasks', 'x', 'insert', 'me', 'me')")
    [row] = audit_rows(owner, row_id=str(shop.task_ana), action="update")
    assert (row["actor"], row["changed_keys"], row["diff"]) == \
        (str(shop.ana), ["notes"], {"notes": {"old": None, "new": "pads worn"}})


def test_worker_changes_record_the_worker_name(shop, owner):
    with owner.transaction():
        owner.execute("select set_config('bayflow.actor', 'worker:plan_work_order', true)")
        owner.execute("update tasks set planned_start = '2026-11-27 08:00Z', planned_end = '2026-11-27 09:30Z'"
                      " where id = %s",
                      (shop.task_ana,))
    [row] = audit_rows(owner, row_id=str(shop.task_ana), action="update")
    assert (row["actor"], row["actor_profile_id"], row["request_id"]) == ("worker:plan_work_order", None, None)
    assert row["db_role"] == owner.execute("select session_user").fetchone()[0]
    assert row["changed_keys"] == ["planned_end", "planned_start"]


def test_change_without_claims_or_actor_names_the_database_user(shop, owner):
    owner.execute("update bays set name = 'Lift A' where id = %s", (shop.bay,))
    [row] = audit_rows(owner, row_id=str(shop.bay), action="update")
    assert row["actor"] == row["db_role"] == owner.execute("select current_user").fetchone()[0]


def test_setup_inserts_cover_every_shop_table(shop, owner):
    tables = {r[0] for r in owner.execute("select distinct table_name from audit_log where actor = 'test-setup'")}
    assert tables == {"profiles", "technicians", "bays", "work_orders", "tasks", "calendar_events"}


def test_dependencies_and_cascades_are_audited(shop, as_profile, owner):
    with as_profile(shop.dispatcher) as conn:
        conn.execute("insert into task_dependencies (task_id, depends_on_task_id) values (%s, %s)",
                     (shop.task_ben, shop.task_ana))
        conn.execute("delete from work_orders where id = %s", (shop.wo_ana,))
    assert [r["action"] for r in audit_rows(owner, row_id=f"{shop.task_ben},{shop.task_ana}")] == ["insert", "delete"]
    deleted = {r["row_id"] for r in audit_rows(owner, action="delete", table_name="tasks")}
    assert deleted == {str(shop.task_ana), str(shop.task_ben)}


def test_truncate_of_shop_data_is_audited(shop, owner):
    owner.execute("truncate task_dependencies")
    [row] = audit_rows(owner, action="truncate")
    assert (row["table_name"], row["row_id"]) == ("task_dependencies", None)


def test_audit_log_is_append_only_even_for_the_owner(shop, owner):
    before = owner.execute("select count(*), max(id) from audit_log").fetchone()
    for statement in ["update audit_log set actor = 'someone else'", "delete from audit_log", "truncate audit_log"]:
        with pytest.raises(errors.InsufficientPrivilege, match="audit_log is append-only"):
            owner.execute(statement)
    assert owner.execute("select count(*), max(id) from audit_log").fetchone() == before


def test_admin_cannot_rewrite_the_audit_log(shop, as_profile):
    for statement in ["update audit_log set actor = 'x'", "delete from audit_log"]:
        with as_profile(shop.admin) as conn, pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            conn.execute(statement)


def test_staff_read_the_audit_log_and_techs_do_not(shop, as_profile, owner):
    total = owner.execute("select count(*) from audit_log").fetchone()[0]
    assert total > 0
    for profile in (shop.admin, shop.dispatcher):
        with as_profile(profile) as conn:
            assert conn.execute("select count(*) from audit_log").fetchone() == (total,)
    with as_profile(shop.ana) as conn:
        assert conn.execute("select count(*) from audit_log").fetchone() == (0,)


def test_audit_and_change_commit_or_roll_back_together(shop, as_profile, owner):
    before = owner.execute("select count(*) from audit_log").fetchone()
    with pytest.raises(psycopg.Error):
        with as_profile(shop.dispatcher) as conn:
            conn.execute("update work_orders set priority = 5 where id = %s", (shop.wo_ana,))
            conn.execute("update work_orders set priority = 9 where id = %s", (shop.wo_other,))
    assert owner.execute("select count(*) from audit_log").fetchone() == before
