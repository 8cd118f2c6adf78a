"""Processes a test starts the way a user does (`bayflow worker`, `bayflow api`, `dramatiq`): each in a
process group of its own with its output in a log file, so teardown ends it with its children and a
failing test can show what it printed."""
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from bayflow.paths import ROOT
from tests.support.environment import child_environment
from tests.support.polling import wait_until

BIN = Path(sys.executable).parent
BAYFLOW = str(BIN / "bayflow")  # the installed console scripts
DRAMATIQ = str(BIN / "dramatiq")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProcessGroups:
    """Named subprocesses run from the repository root, each leading a new session, logging to
    `<log_dir>/<name>.log`."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def spawn(self, name: str, argv: Sequence[str], env: dict[str, str]) -> subprocess.Popen:
        with open(self.log_dir / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def close(self, grace_s: float = 0) -> None:
        """SIGTERM the groups still running and give them `grace_s` to exit; SIGKILL whatever is left."""
        running = [p for p in self.procs if p.poll() is None]
        if grace_s:
            for proc in running:
                os.killpg(proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + grace_s
            for proc in running:
                try:
                    proc.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
        for proc in running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class Workers:
    """Worker process groups: `start()` runs `bayflow worker` (or dramatiq's own CLI, `dramatiq tasks`) on
    `modules` with the environment's `defaults` and its own variables (names upper-cased); `close()` kills
    what is still running."""

    def __init__(self, log_dir: Path, *, modules: Sequence[str] = (), path: Path | None = None,
                 command: str = "bayflow", **defaults) -> None:
        self.groups = ProcessGroups(log_dir)
        self.modules = list(modules)
        self.path = path
        self.command = command
        self.defaults = {"bayflow_job_lease_s": 5, **defaults}

    def start(self, processes: int = 1, threads: int = 4, *, command: str | None = None, **env) -> subprocess.Popen:
        argv = [DRAMATIQ, "tasks"] if (command or self.command) == "dramatiq" else [BAYFLOW, "worker"]
        argv += [*self.modules, "-p", str(processes), "-t", str(threads)]
        if self.path:
            argv += ["--path", str(self.path)]
        environ = {**child_environment(**self.defaults, **env), "dramatiq_restart_delay": "300"}
        return self.groups.spawn(f"workers-{len(self.groups.procs)}", argv, environ)

    def stop(self, proc: subprocess.Popen, timeout: float = 30) -> int:
        """SIGTERM the worker's main process (a graceful shutdown) and its exit code."""
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout)

    def log(self, index: int = 0) -> str:
        return self.groups.log(f"workers-{index}")

    def close(self) -> None:
        self.groups.close()


def wait_until_serving(url: str, processes: Sequence[subprocess.Popen], timeout: float, *, interval: float = 0.1,
                       details: Callable[[], str] | None = None, **request) -> httpx.Response:
    """The first 200 answer to GET `url` (`request`: httpx.get's arguments); fails at once if one of
    `processes`, the server, exits."""
    def answer() -> httpx.Response | None:
        for proc in processes:
            if proc.poll() is not None:
                extra = f"\n{details()}" if details else ""
                raise AssertionError(f"{' '.join(map(str, proc.args))} exited with {proc.returncode}{extra}")
        try:
            response = httpx.get(url, timeout=5, **request)
        except httpx.TransportError:
            return None
        return response if response.status_code == 200 else None

    return wait_until(answer, timeout, interval, f"{url} to answer 200", details)
