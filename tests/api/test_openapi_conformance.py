"""schemathesis against the real API (`bayflow api` on the demo shop in a fresh Postgres), with a
dispatcher's token verified against a Supabase JWKS over HTTP: every answer must be documented —
its status code, its content type and its body's schema — and none may be a server error.

Bounded to about a minute on 2 cores: the coverage phase (each schema's boundary and invalid
values, deterministic) and a few fuzzed examples per operation, with a fixed seed. For a longer
hunt run the same command with a larger `--max-examples` and without `--seed`.
"""
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest

from bayflow.seed import DEMO_SHOP, load_seed
from tests.support.environment import child_environment
from tests.support.processes import BAYFLOW, ProcessGroups, free_port, wait_until_serving
from tests.support.sql import scalar

SCHEMATHESIS = str(Path(sys.executable).parent / "st")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# GET /v1/events never ends: stop reading each stream after half a second (its headers are what is checked).
CONFIG = """
[[operations]]
include-path = "/v1/events"
request-timeout = 0.5
"""


@pytest.fixture
def demo_api(new_database, supabase_auth, tmp_path):
    """(base URL, a dispatcher's bearer token) of `bayflow api` serving the demo shop."""
    db_url = new_database()
    with psycopg.connect(db_url) as conn:
        load_seed(conn, DEMO_SHOP)
    dispatcher = scalar(db_url, "select id from public.profiles where email = 'dispatch1@demo.bayflow.dev'")
    port = free_port()
    env = child_environment(database_url=db_url, supabase_url=supabase_auth.url, bayflow_home=tmp_path,
                            bayflow_api_host="127.0.0.1", bayflow_api_port=port, pythonunbuffered=1)
    processes = ProcessGroups(tmp_path)
    processes.spawn("api", [BAYFLOW, "api"], env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/openapi.json", processes.procs, 60, details=lambda: processes.log("api"))
        yield base, supabase_auth.token(dispatcher)
    finally:
        processes.close(grace_s=10)


def test_every_answer_is_documented_and_none_is_a_server_error(demo_api, tmp_path):
    base, token = demo_api
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    run = subprocess.run(
        [SCHEMATHESIS, "--config-file", str(config), "run", f"{base}/openapi.json",
         "--header", f"Authorization: Bearer {token}", "--checks", CHECKS,
         "--phases", "coverage,fuzzing", "--max-examples", "5", "--seed", "20261207", "--no-shrink",
         "--workers", "1", "--request-timeout", "30", "--max-failures", "20"],
        cwd=tmp_path, capture_output=True, text=True, timeout=480)
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
    spec = httpx.get(f"{base}/openapi.json").json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    assert f"Tested: {operations}\n" in run.stdout, run.stdout[-3000:]  # every operation was exercised
