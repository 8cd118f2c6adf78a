"""The front ends under test: a real bayflow (`bayflow api` serving the built board and app, `bayflow
worker`) on a database of its own, and each front end's browser tests, `node --test` files driving
Debian's Chromium through playwright-core, run against it."""
import os
import subprocess
from pathlib import Path

import httpx

from bayflow.paths import ROOT
from tests.support.environment import child_environment
from tests.support.processes import BAYFLOW, ProcessGroups, free_port, wait_until_serving

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "artifacts"  # screenshots the browser tests leave for a person to look at
NODE_TEST_TIMEOUT_S = 300


class WebStack:
    """`bayflow api` and `bayflow worker` on `db_url`, with `env` (names upper-cased) for both."""

    def __init__(self, db_url: str, home: Path, **env):
        self.db_url = db_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = child_environment(database_url=db_url, bayflow_home=home, bayflow_api_host="127.0.0.1",
                                     bayflow_api_port=self.port, pythonunbuffered=1, **env)
        logs = home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.processes = ProcessGroups(logs)

    def start(self) -> "WebStack":
        self.processes.spawn("api", [BAYFLOW, "api"], self.env)
        self.processes.spawn("worker", [BAYFLOW, "worker", "--processes", "1", "--threads", "4"], self.env)
        wait_until_serving(f"{self.base}/v1/auth/config", self.processes.procs, 90, details=self.logs)
        return self

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.processes.log(name)[-6000:]}" for name in ("api", "worker"))

    def token(self, email: str) -> str:
        """A dev-issuer token, got the way the front ends get one."""
        response = httpx.post(f"{self.base}/v1/dev/token", json={"email": email}, timeout=30)
        response.raise_for_status()
        return response.json()["access_token"]

    def stop(self) -> None:
        self.processes.close(grace_s=20)


def run_browser_tests(app: str, stack: WebStack, *files: str, **env) -> str:
    """Run `<app>/e2e/<files>` (all of `<app>/e2e/*.test.mjs` without `files`) with `node --test`
    against `stack`; their output, or AssertionError with it and the stack's logs."""
    assert Path(CHROMIUM).exists(), f"the browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium"
    folder = ROOT / app / "e2e"
    paths = [str(folder / f) for f in files] or sorted(str(p) for p in folder.glob("*.test.mjs"))
    ARTIFACTS.mkdir(exist_ok=True)
    environ = {**os.environ, "BASE_URL": stack.base, "CHROMIUM": CHROMIUM, "ARTIFACTS": str(ARTIFACTS),
               **{k.upper(): str(v) for k, v in env.items()}}
    done = subprocess.run(["node", "--test", "--test-concurrency=1", *paths], cwd=ROOT / app, env=environ,
                          capture_output=True, text=True, timeout=NODE_TEST_TIMEOUT_S)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{app} browser tests failed:\n{output}\n{stack.logs()}"
    return output
