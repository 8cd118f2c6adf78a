"""Ops endpoints (dispatchers and admins only), /metrics and `bayflow jobs` over a real database."""
import json
import subprocess
import time
import uuid

import jwt
import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bayflow.config import Settings
from tasks.enqueue import enqueue_many
from tests.support.environment import child_environment
from tests.support.processes import BAYFLOW
from tests.tasks import queue_actors as actors

SECRET = "queue-ops-test-secret-with-at-least-32-bytes"
SCRAPER_TOKEN = "prometheus-scrape-token"
SUPABASE = "http://127.0.0.1:9"  # HS256 tokens are verified with the secret; nothing is fetched
PEOPLE = {role: uuid.uuid4() for role in ("admin", "dispatcher", "tech")}


def headers(role: str) -> dict:
    now = int(time.time())
    claims = {"iss": f"{SUPABASE}/auth/v1", "aud": "authenticated", "sub": str(PEOPLE[role]), "iat": now,
              "exp": now + 600, "role": "authenticated"}
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


@pytest.fixture
def ops_db(queue_db) -> str:
    """On `default`: 3 failed, 1 done, 4 queued (1 delayed); on `mail`: 1 queued."""
    with psycopg.connect(queue_db) as conn:
        for role, user in PEOPLE.items():
            conn.execute("insert into auth.users (id, email) values (%s, %s)", (user, f"{role}@test"))
            conn.execute("insert into profiles (id, role, display_name) values (%s, %s, %s)", (user, role, role))
        enqueue_many(conn, [actors.always_fails.message(f"f{i}") for i in range(3)]
                     + [actors.noop.message() for _ in range(4)]
                     + [actors.noop.message().copy(queue_name="mail"), actors.noop.message()])
        conn.execute("""update job_queue set status = 'failed', attempts = 3, finished_at = now(),
                        last_error = 'ValueError: cannot process' where actor = 'always_fails'""")
        conn.execute("""update job_queue set status = 'done', attempts = 1, finished_at = now()
                        where id = (select max(id) from job_queue)""")
        conn.execute("""update job_queue set run_at = now() + interval '1 hour'
                        where id = (select min(id) from job_queue where actor = 'noop')""")
    return queue_db


@pytest.fixture
def client(ops_db, tmp_path):
    s = Settings(database_url=ops_db, supabase_url=SUPABASE, supabase_jwt_secret=SECRET,
                 bayflow_home=tmp_path, bayflow_api_pool_size=2, bayflow_metrics_token=SCRAPER_TOKEN)
    with TestClient(create_app(s), raise_server_exceptions=False) as test_client:
        yield test_client


def test_queue_counts_for_dispatchers_and_admins_only(client):
    for role in ("dispatcher", "admin"):
        response = client.get("/v1/ops/queues", headers=headers(role))
        assert response.status_code == 200
        default, mail = response.json()
        assert (default["queue"], mail["queue"]) == ("default", "mail")
        assert {k: default[k] for k in ("queued", "ready", "running", "done", "failed", "failed_last_minute")} == \
            {"queued": 4, "ready": 3, "running": 0, "done": 1, "failed": 3, "failed_last_minute": 3}
        assert default["processed_last_minute"] == 1 and default["oldest_ready_age_s"] >= 0
    refused = client.get("/v1/ops/queues", headers=headers("tech"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/ops/queues").status_code == 401


def test_jobs_are_filtered_and_paginated(client):
    first = client.get("/v1/ops/jobs", params={"status": "failed", "limit": 2}, headers=headers("dispatcher"))
    assert first.status_code == 200
    page = first.json()
    assert [j["status"] for j in page["items"]] == ["failed", "failed"]
    assert page["items"][0]["last_error"] == "ValueError: cannot process"
    second = client.get("/v1/ops/jobs", params={"status": "failed", "limit": 2, "cursor": page["next_cursor"]},
                        headers=headers("dispatcher")).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    ids = [j["id"] for j in page["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)
    mail = client.get("/v1/ops/jobs", params={"queue": "mail", "actor": "noop"}, headers=headers("admin")).json()
    assert [(j["queue"], j["actor"], j["args"]) for j in mail["items"]] == [("mail", "noop", [])]
    bad = client.get("/v1/ops/jobs", params={"status": "lost"}, headers=headers("admin"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    assert client.get("/v1/ops/jobs", headers=headers("tech")).status_code == 403


def test_retry_and_cancel(client, ops_db):
    jobs = client.get("/v1/ops/jobs", headers=headers("dispatcher")).json()["items"]
    failed = next(j for j in jobs if j["status"] == "failed")
    queued = next(j for j in jobs if j["status"] == "queued")
    done = next(j for j in jobs if j["status"] == "done")

    assert client.post(f"/v1/ops/jobs/{failed['id']}/retry", headers=headers("tech")).status_code == 403
    retried = client.post(f"/v1/ops/jobs/{failed['id']}/retry", headers=headers("dispatcher"))
    assert retried.status_code == 200
    assert (retried.json()["status"], retried.json()["attempts"]) == ("queued", 0)
    again = client.post(f"/v1/ops/jobs/{failed['id']}/retry", headers=headers("dispatcher"))
    assert again.status_code == 409 and "is queued" in again.json()["detail"]

    cancelled = client.post(f"/v1/ops/jobs/{queued['id']}/cancel", headers=headers("admin"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"/v1/ops/jobs/{done['id']}/cancel", headers=headers("admin")).status_code == 409
    assert client.post("/v1/ops/jobs/999999/cancel", headers=headers("admin")).status_code == 404
    with psycopg.connect(ops_db) as conn:
        assert conn.execute("select status from job_queue where id = %s", (queued["id"],)).fetchone()[0] == "cancelled"


def test_metrics_expose_queue_gauges_to_the_scraper_only(client, ops_db, tmp_path):
    for refused in ({}, {"Authorization": "Bearer wrong"}, headers("admin")):
        answer = client.get("/metrics", headers=refused)
        assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"
        assert "bayflow_jobs" not in answer.text
    unset = Settings(database_url=ops_db, supabase_url=SUPABASE, supabase_jwt_secret=SECRET, bayflow_home=tmp_path)
    with TestClient(create_app(unset), raise_server_exceptions=False) as closed:
        assert closed.get("/metrics").status_code == 404

    response = client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPER_TOKEN}"})
    assert response.status_code == 200
    assert 'bayflow_jobs_ready{queue="default"} 3.0' in response.text
    assert 'bayflow_jobs_failed{queue="default"} 3.0' in response.text
    assert 'bayflow_jobs_queued{queue="mail"} 1.0' in response.text


def test_bayflow_jobs_prints_the_same_counts(ops_db):
    env = child_environment(database_url=ops_db)
    table = subprocess.run([BAYFLOW, "jobs"], env=env, capture_output=True, text=True, check=True)
    header, default, mail = table.stdout.splitlines()
    assert header.split()[:7] == ["queue", "queued", "ready", "running", "done", "failed", "cancelled"]
    assert default.split()[:7] == ["default", "4", "3", "0", "1", "3", "0"]
    assert mail.split()[:3] == ["mail", "1", "1"]
    as_json = subprocess.run([BAYFLOW, "jobs", "--json"], env=env, capture_output=True, text=True, check=True)
    assert json.loads(as_json.stdout)[0]["failed"] == 3

    unreachable = subprocess.run([BAYFLOW, "jobs"], capture_output=True, text=True,
                                 env={**env, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})
    assert unreachable.returncode == 2 and "cannot reach the database" in unreachable.stderr
