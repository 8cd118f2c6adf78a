"""dramatiq's own tests, from the sdist of the installed version, run against a broker of our choice.

The sdist is fetched from PyPI with pip once per version and kept under `.bayflow/cache/`
(ignored by git): its tests are never copied into the repository. They run in a pytest
subprocess whose conftest (`harness/injected_conftest.py`) puts the broker under test where they
expect StubBroker.
"""
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

HARNESS = Path(__file__).resolve().parent / "harness"

#: dramatiq's test files about brokers, messages, actors and middleware in general (its
#: RabbitMQ-, Redis-, CLI-, rate-limiter- and file-watching tests are about those parts).
BROKER_GENERIC = ["test_actors.py", "test_broker.py", "test_callbacks.py", "test_composition.py",
                  "test_encoders.py", "test_generic_actors.py", "test_messages.py", "test_results.py",
                  "test_stub_broker.py", "test_worker.py"]
PACKAGE = "dramatiq_tests"  # not `tests`, which is this repository's own


def installed_version() -> str:
    return importlib.metadata.version("dramatiq")


def sdist_tests(cache: Path, version: str) -> Path:
    """The `tests/` folder of dramatiq's sdist `version`, downloaded (pip, from PyPI) on first use."""
    target = cache / f"dramatiq-{version}"
    if (target / "tests").is_dir():
        return target / "tests"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"dramatiq=={version}", "--dest", scratch], check=True, timeout=300)
        [archive] = Path(scratch).glob("dramatiq-*.tar.gz")
        prefix = f"dramatiq-{version}/tests/"
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith(prefix) and m.isfile()]
            tar.extractall(scratch, members=members, filter="data")
        try:
            Path(scratch, f"dramatiq-{version}").rename(target)  # whole or not at all
        except OSError:
            if not (target / "tests").is_dir():  # else another run got there first
                raise
    return target / "tests"


@dataclass
class Outcome:
    """What one run did: test ids (`file::name`) by result; the excluded ones failed as written down."""

    passed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)   # id -> failure text
    excluded: list[str] = field(default_factory=list)
    excluded_but_passed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self, label: str) -> str:
        line = f"{label}: {len(self.passed)} passed, {len(self.failed)} failed, {len(self.excluded)} excluded"
        if self.skipped:
            line += f", {len(self.skipped)} skipped"
        if self.excluded_but_passed:
            line += f" (excluded but passed: {', '.join(self.excluded_but_passed)})"
        return line


def run(tests: Path, workdir: Path, *, exclusions: dict[str, str], env: dict[str, str],
        timeout_s: float = 150, only: list[str] | None = None) -> Outcome:
    """Run BROKER_GENERIC from `tests` in a package of their own under `workdir` with the harness;
    `only` the given test ids (`file::name`) when set."""
    package = workdir / PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name in BROKER_GENERIC:
        shutil.copy(tests / name, package / name)
    for name in ("conftest.py", "common.py"):  # named injected_* here, so our own pytest run ignores them
        shutil.copy(HARNESS / f"injected_{name}", package / name)
    report = workdir / "junit.xml"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-o",
            "junit_family=xunit1", "--durations=15", "--rootdir", str(workdir), "--junitxml", str(report),
            *([f"{PACKAGE}/{test_id}" for test_id in only] if only else [PACKAGE])]
    log = workdir / "pytest.log"
    try:
        with open(log, "wb") as out:
            returncode = subprocess.run(argv, cwd=workdir, env={**os.environ, **env}, stdout=out,
                                        stderr=subprocess.STDOUT, timeout=timeout_s).returncode
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"dramatiq's tests took over {timeout_s}s:\n{log.read_text()[-5000:]}") from None
    if returncode not in (0, 1) or not report.exists():
        raise RuntimeError(f"dramatiq's tests did not run (exit {returncode}):\n{log.read_text()[-5000:]}")
    return _outcome(report, exclusions)


def _outcome(report: Path, exclusions: dict[str, str]) -> Outcome:
    outcome = Outcome()
    for case in ElementTree.parse(report).iter("testcase"):
        test_id = f"{case.get('classname').rsplit('.', 1)[-1]}.py::{case.get('name')}"
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        if case.find("skipped") is not None:
            outcome.skipped.append(test_id)
        elif problem is not None and test_id in exclusions:
            outcome.excluded.append(test_id)
        elif problem is not None:
            outcome.failed[test_id] = (problem.get("message") or "") + "\n" + (problem.text or "")[-3000:]
        elif test_id in exclusions:
            outcome.excluded_but_passed.append(test_id)
            outcome.passed.append(test_id)
        else:
            outcome.passed.append(test_id)
    return outcome
