"""The start of a request transaction (`bayflow.begin_request`, one round trip), the statement
cache switch for transaction poolers, and the FIFO hand-out of the API's connections."""
import asyncio
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.db import FairConnections, create_engine
from tests.support.shop import NO_PROFILE, TECH_ANA


def _run_on_api_connection(settings, body):
    async def main():
        engine = create_engine(settings)
        try:
            async with engine.connect() as conn:
                return await body(conn)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def test_begin_request_acts_as_the_caller_for_the_rest_of_the_transaction_only(api_settings):
    async def body(conn):
        async with conn.begin():
            role = (await conn.execute(text("select bayflow.begin_request(:c, :r)"),
                                       {"c": json.dumps({"sub": str(TECH_ANA)}), "r": "req-1"})).scalar()
            inside = (await conn.execute(text(
                "select current_user, auth.uid()::text, current_setting('bayflow.request_id'),"
                " bayflow.app_role()"))).one()
        after = (await conn.execute(text("select current_user"))).scalar()
        return role, tuple(inside), after

    role, inside, after = _run_on_api_connection(api_settings, body)
    assert role == "tech"
    assert inside == ("authenticated", str(TECH_ANA), "req-1", "tech")
    assert after == "bayflow_api"  # back to the role without table rights once the transaction ends


def test_begin_request_returns_null_without_a_profile(api_settings):
    async def body(conn):
        async with conn.begin():
            return (await conn.execute(text("select bayflow.begin_request(:c, 'r')"),
                                       {"c": json.dumps({"sub": str(NO_PROFILE)})})).scalar()

    assert _run_on_api_connection(api_settings, body) is None


def test_begin_request_grants_nothing_to_roles_outside_the_api(shop_db):
    import psycopg

    with psycopg.connect(shop_db) as conn:
        conn.execute("set role anon")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select bayflow.begin_request('{}', 'r')")


def test_requests_work_without_the_statement_cache(api_settings, as_user):
    """As behind Supavisor/pgbouncer in transaction mode: statements are sent unnamed."""
    settings = api_settings.model_copy(update={"bayflow_api_statement_cache": False})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for _ in range(3):  # the same statements again on the same pooled connections
            response = client.get("/v1/tasks", headers=as_user(TECH_ANA))
            assert response.status_code == 200, response.text
        assert client.get("/v1/tasks", headers=as_user(NO_PROFILE)).status_code == 403


def test_connections_are_handed_out_in_arrival_order(api_settings):
    async def main():
        engine = create_engine(api_settings)
        connections = FairConnections(engine, limit=1)
        served: list[int] = []

        async def request(n: int):
            async with connections.connect() as conn:
                await conn.execute(text("select 1"))
                served.append(n)

        try:
            async with connections.connect():
                waiting = []
                for n in range(5):
                    waiting.append(asyncio.create_task(request(n)))
                    await asyncio.sleep(0)  # each asks before the next one exists
                await asyncio.sleep(0.05)
                held_back = list(served)  # nobody gets past the gate while its one permit is held
            await asyncio.gather(*waiting)
        finally:
            await engine.dispose()
        return held_back, served

    assert asyncio.run(main()) == ([], [0, 1, 2, 3, 4])



def test_pooled_connections_killed_by_a_database_restart_cost_no_request(api_settings, shop_db, as_user):
    """The server ends every API connection (as a restart does; only this test's database is touched):
    the next requests, several at once, get fresh connections instead of 500 "connection is closed"."""
    import httpx
    import psycopg

    app = create_app(api_settings)

    async def burst(client, n: int) -> list[int]:
        answers = await asyncio.gather(*(client.get("/v1/me", headers=as_user(TECH_ANA)) for _ in range(n)))
        return [a.status_code for a in answers]

    async def main():
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
                warm = await burst(client, 6)  # both pooled connections opened and returned
                with psycopg.connect(shop_db, autocommit=True) as admin:
                    killed = admin.execute(
                        "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity"
                        " where datname = current_database() and application_name = 'bayflow-api'").fetchone()[0]
                return warm, killed, await burst(client, 6)
        finally:
            await app.state.engine.dispose()

    warm, killed, after = asyncio.run(main())
    assert warm == [200] * 6 and killed == 2
    assert after == [200] * 6
