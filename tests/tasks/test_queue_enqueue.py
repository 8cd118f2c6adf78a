"""Transactional enqueue (psycopg and the API's SQLAlchemy connection as `authenticated`) and unique keys."""
import asyncio
import json
import threading
import uuid

import dramatiq
import psycopg
import pytest
from dramatiq.encoder import PickleEncoder
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from bayflow.database import asyncpg_url
from tasks.enqueue import enqueue, enqueue_async
from tests.support.sql import scalar
from tests.tasks import queue_actors as actors


def test_a_rolled_back_enqueue_leaves_no_job(queue_db):
    with psycopg.connect(queue_db) as conn:
        with pytest.raises(RuntimeError):
            with conn.transaction():
                job = enqueue(conn, actors.noop.message())
                assert job.created
                raise RuntimeError("business write failed")
    assert scalar(queue_db, "select count(*) from job_queue") == 0


def test_a_job_is_invisible_and_unannounced_before_commit(queue_db):
    with psycopg.connect(queue_db, autocommit=True) as listener, psycopg.connect(queue_db) as conn:
        listener.execute("listen bayflow_jobs")
        enqueue(conn, actors.noop.message())
        assert scalar(queue_db, "select count(*) from job_queue") == 0
        assert list(listener.notifies(timeout=0.2)) == []
        conn.commit()
        assert scalar(queue_db, "select count(*) from job_queue where status = 'queued'") == 1
        assert [n.payload for n in listener.notifies(timeout=2, stop_after=1)] == ["default"]


def test_concurrent_enqueues_of_one_unique_key_leave_one_job(queue_db):
    enqueuers = 20  # released at once they race as 100 would, within connections other tests share
    barrier = threading.Barrier(enqueuers, timeout=30)  # one that cannot connect fails the test, not hangs it
    results = []

    def enqueue_once():
        with psycopg.connect(queue_db) as conn:
            barrier.wait()
            results.append(enqueue(conn, actors.noop.message(), unique_key="reoptimize:shop-1"))

    threads = [threading.Thread(target=enqueue_once) for _ in range(enqueuers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == enqueuers
    assert sum(r.created for r in results) == 1
    assert len({r.job_id for r in results}) == 1
    assert scalar(queue_db, "select count(*) from job_queue") == 1


def test_a_key_enqueued_while_its_job_runs_gets_one_follow_up(queue_db):
    with psycopg.connect(queue_db, autocommit=True) as conn:
        first = enqueue(conn, actors.noop.message(), unique_key="schedule")
        conn.execute("update job_queue set status = 'running', attempts = 1, lease_token = gen_random_uuid(),"
                     " lease_expires_at = now() + interval '1 minute' where id = %s", (first.job_id,))
        follow_up = enqueue(conn, actors.noop.message(), unique_key="schedule")
        coalesced = enqueue(conn, actors.noop.message(), unique_key="schedule")
    assert follow_up.created and follow_up.job_id != first.job_id
    assert not coalesced.created and coalesced.job_id == follow_up.job_id


def test_the_api_enqueues_in_its_rls_transaction(queue_db):
    user, stranger = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(queue_db) as conn:
        conn.execute("insert into auth.users (id, email) values (%s, 'd@test'), (%s, 's@test')", (user, stranger))
        conn.execute("insert into profiles (id, role, display_name) values (%s, 'dispatcher', 'Dee')", (user,))

    async def run():
        engine = create_async_engine(asyncpg_url(queue_db), connect_args={"statement_cache_size": 0})
        begin = text("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', :c, true)")
        try:
            async with engine.connect() as conn:
                async with conn.begin():
                    await conn.execute(begin, {"c": json.dumps({"sub": str(user)})})
                    job = await enqueue_async(conn, actors.noop.message(), unique_key="wo:1", delay=60_000)
                trans = await conn.begin()
                await conn.execute(begin, {"c": json.dumps({"sub": str(user)})})
                await enqueue_async(conn, actors.noop.message())
                await trans.rollback()
                with pytest.raises(DBAPIError, match="needs a user with a profile"):
                    async with conn.begin():
                        await conn.execute(begin, {"c": json.dumps({"sub": str(stranger)})})
                        await enqueue_async(conn, actors.noop.message())
            return job
        finally:
            await engine.dispose()

    job = asyncio.run(run())
    assert job.created
    with psycopg.connect(queue_db) as conn:
        rows = conn.execute("select id, unique_key, run_at > now() + interval '50 seconds' from job_queue").fetchall()
    assert rows == [(job.job_id, "wo:1", True)]


def test_a_message_that_is_not_json_is_refused_with_the_encoder_named(queue_db):
    previous = dramatiq.get_encoder()
    dramatiq.set_encoder(PickleEncoder())
    try:
        with psycopg.connect(queue_db) as conn:
            with pytest.raises(ValueError, match="encoder is PickleEncoder: use dramatiq.JSONEncoder"):
                enqueue(conn, actors.noop.message())
    finally:
        dramatiq.set_encoder(previous)
    assert scalar(queue_db, "select count(*) from job_queue") == 0
