"""Row level security of the pipeline's tables, as the API's `authenticated` role sees them."""
import json

import psycopg
import pytest

from pipelines.events import Event, publish
from tasks.starts import enqueue_work_order_flow
from tests.pipelines.conftest import ADMIN, DISPATCHER, TECH_ANA, TECH_BEN, seed_shop


def _as(conn, user_id: str) -> None:
    conn.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
                 (json.dumps({"sub": user_id, "role": "authenticated"}),))


@pytest.fixture
def shop(db_url):
    with psycopg.connect(db_url) as conn:
        seed_shop(conn)
        wo = conn.execute("insert into public.work_orders (description) values ('Oil change') returning id::text"
                          ).fetchone()[0]
        run = enqueue_work_order_flow(conn, wo, triggered_by="test")
        publish(conn, [
            Event("work_order.planned", {"n": 1}, work_order_id=wo, recipients=(DISPATCHER,)),
            Event("task.assigned", {"n": 2}, work_order_id=wo, audience=(TECH_ANA,), recipients=(TECH_ANA,)),
        ])
    return db_url, wo, run


def test_staff_see_runs_and_every_event_a_tech_only_their_own(shop):
    url, wo, run = shop
    with psycopg.connect(url) as conn:
        for user, runs, events, inbox in ((ADMIN, 1, 2, 0), (DISPATCHER, 1, 2, 1), (TECH_ANA, 0, 1, 1),
                                          (TECH_BEN, 0, 0, 0)):
            with conn.transaction():
                _as(conn, user)
                assert conn.execute("select count(*) from public.pipeline_runs").fetchone()[0] == runs, user
                assert conn.execute("select count(*) from public.pipeline_steps").fetchone()[0] == 4 * runs, user
                assert conn.execute("select count(*) from public.events").fetchone()[0] == events, user
                assert conn.execute("select count(*) from public.notifications").fetchone()[0] == inbox, user


def test_a_tech_can_neither_start_runs_nor_mark_someone_elses_notification_read(shop):
    url, wo, run = shop
    with psycopg.connect(url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with conn.transaction():
                _as(conn, TECH_ANA)
                conn.execute("select bayflow.start_pipeline_run('work_order', %s, 'tech', 'enrich')", (wo,))
        with conn.transaction():
            _as(conn, TECH_BEN)
            assert conn.execute("update public.notifications set read_at = now()").rowcount == 0
        with conn.transaction():
            _as(conn, TECH_ANA)
            assert conn.execute("update public.notifications set read_at = now()").rowcount == 1
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with conn.transaction():
                    conn.execute("update public.notifications set profile_id = %s", (TECH_BEN,))
