"""`bayflow demo` from a clean checkout: no DATABASE_URL, embedded Postgres under BAYFLOW_HOME."""
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import httpx

from bayflow.paths import ROOT
from tests.support.environment import child_environment
from tests.support.processes import BAYFLOW, free_port, wait_until_serving

TIMEOUT_S = 30  # the first /openapi.json builds the schema: over httpx's 5 s on a loaded machine


def wait_for(url: str, proc: subprocess.Popen, **request) -> httpx.Response:
    return wait_until_serving(url, [proc], 120, interval=0.3, **request)


def test_demo_serves_docs_and_token_authenticated_tasks():
    home = tempfile.mkdtemp(prefix="bf")  # short: the embedded Postgres' Unix socket lives here
    port = free_port()
    env = child_environment(bayflow_home=home, bayflow_api_port=port, bayflow_api_host="127.0.0.1")
    env.pop("XDG_RUNTIME_DIR", None)  # as on a fresh machine: pgserver's runtime directory is bayflow's to name
    out = Path(home) / "demo.log"
    with out.open("w") as log:
        proc = subprocess.Popen([BAYFLOW, "demo"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        assert "swagger" in wait_for(f"{base}/docs", proc).text.lower()
        assert "/v1/work_orders" in httpx.get(f"{base}/openapi.json", timeout=TIMEOUT_S).json()["paths"]
        guide = out.read_text()
        tokens = dict(re.findall(r"^(DISPATCHER|TECH)_TOKEN=(\S+)$", guide, re.M))
        assert set(tokens) == {"DISPATCHER", "TECH"}, guide

        tech_tasks = wait_for(f"{base}/v1/tasks", proc, headers={"Authorization": f"Bearer {tokens['TECH']}"})
        all_tasks = wait_for(f"{base}/v1/tasks?limit=200", proc,
                             headers={"Authorization": f"Bearer {tokens['DISPATCHER']}"})
        me = httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {tokens['TECH']}"}, timeout=TIMEOUT_S).json()
        assert tech_tasks.json()["items"], "the demo shop has tasks assigned to its technicians"
        assert all(t["assigned_technician_id"] == me["technician_id"] for t in tech_tasks.json()["items"])
        assert len(all_tasks.json()["items"]) > len(tech_tasks.json()["items"])

        key = Path(home) / "dev-jwt-key.pem"
        assert key.stat().st_mode & 0o777 == 0o600
        token = subprocess.run([BAYFLOW, "token", "--email", me["email"], "--ttl", "60"],
                               cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
        assert httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {token}"},
                         timeout=TIMEOUT_S).json()["id"] == me["id"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    log_text = out.read_text()
    shutil.rmtree(home, ignore_errors=True)
    assert code == 0, log_text
    assert "stopped" in log_text
    assert "XDG_RUNTIME_DIR" not in log_text and "Warning" not in log_text
