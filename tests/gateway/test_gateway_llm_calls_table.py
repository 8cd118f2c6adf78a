"""The `llm_calls` table holds the gateway's call records as the pipeline will write them."""
import psycopg
import pytest

from gateway import CallRecord


def record(work_order_id, **overrides) -> CallRecord:
    values = dict(work_order_id=work_order_id, purpose="plan_tasks", attempt="repair",
                  prompt_name="plan_tasks.v1+repair.v1",
                  prompt_hash="0123456789abcdef", schema_version="2026-11-26.1", provider="anthropic",
                  model="claude-sonnet-5", tokens_in=1234, tokens_out=321, cost_usd=None, latency_ms=812,
                  outcome="repaired", error=None)
    return CallRecord(**{**values, **overrides})


def insert(conn, rec: CallRecord) -> int:
    row = rec.as_row()
    columns = ", ".join(row)
    placeholders = ", ".join(f"%({k})s" for k in row)
    return conn.execute(f"insert into llm_calls ({columns}) values ({placeholders}) returning id", row).fetchone()[0]


def test_call_records_are_stored_and_survive_their_work_order(db_url):
    from decimal import Decimal
    with psycopg.connect(db_url) as conn:
        wo = conn.execute("insert into work_orders (description) values ('brakes grind') returning id").fetchone()[0]
        call_id = insert(conn, record(str(wo), cost_usd=Decimal("0.005678")))
        row = conn.execute("select work_order_id, cost_usd, outcome, created_at is not null from llm_calls"
                           " where id = %s",
                           (call_id,)).fetchone()
        assert row == (wo, Decimal("0.005678"), "repaired", True)
        conn.execute("delete from work_orders where id = %s", (wo,))
        assert conn.execute("select work_order_id from llm_calls where id = %s", (call_id,)).fetchone() == (None,)


def test_unknown_outcomes_are_rejected(db_url):
    with psycopg.connect(db_url) as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            insert(conn, record(None, outcome="maybe"))


def test_api_roles_cannot_write_the_log(db_url):
    with psycopg.connect(db_url) as conn:
        for role in ("anon", "authenticated"):
            assert conn.execute("select has_table_privilege(%s, 'public.llm_calls', 'insert')",
                                (role,)).fetchone() == (False,)
        assert conn.execute("select has_table_privilege('anon', 'public.llm_calls', 'select')").fetchone() == (False,)
        assert conn.execute("select relrowsecurity from pg_class"
                            " where oid = 'public.llm_calls'::regclass").fetchone() == (True,)
