"""dramatiq's own broker-generic tests pass against bayflow's Postgres broker, but for the written
exclusions. The control, the same tests against dramatiq's RabbitMQ broker, runs beside it (each mostly
waits) so a difference is seen, not assumed: both print their counts and the control's failures in
pytest's summary, and only the Postgres broker's failures fail the test. A few of dramatiq's tests
time wall clocks (0.5 s, a message age limit), which both brokers miss now and then on two busy
cores: a Postgres failure is run again alone, once, and fails the test only if it fails again."""
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from bayflow.config import settings
from bayflow.paths import ROOT
from tests.support.rabbitmq import rabbitmq_reachable
from tests.tasks.conformance import dramatiq_suite
from tests.tasks.conformance.exclusions import POSTGRES, RABBITMQ
from tests.tasks.conformance.rabbitmq_vhost import vhost_url

CACHE = ROOT / ".bayflow" / "cache"


def test_dramatiq_test_suite_passes_on_postgres_and_rabbitmq(new_database, tmp_path, conformance_report):
    version = dramatiq_suite.installed_version()
    tests = dramatiq_suite.sdist_tests(CACHE, version)
    runs = {"postgres": ({}, POSTGRES)}
    if rabbitmq_reachable():
        runs["rabbitmq"] = ({"RABBITMQ_URL": vhost_url(settings().rabbitmq_url)}, RABBITMQ)
    elif os.environ.get("CI"):
        pytest.fail("RabbitMQ is not reachable on 127.0.0.1:5672 and CI is set")
    else:
        conformance_report.append("dramatiq's tests on rabbitmq: not run, RabbitMQ is not reachable on 127.0.0.1:5672")

    def run(broker: str, only: list[str] | None = None) -> dramatiq_suite.Outcome:
        env, exclusions = runs[broker]
        return dramatiq_suite.run(tests, tmp_path / (broker + ("-again" if only else "")), exclusions=exclusions,
                                  only=only, env={**env, "CONFORMANCE_BROKER": broker,
                                                  "CONFORMANCE_DATABASE_URL": new_database()})

    with ThreadPoolExecutor(len(runs)) as pool:
        outcomes = dict(zip(runs, pool.map(run, runs)))
    for broker, outcome in outcomes.items():
        conformance_report.append(outcome.summary(f"dramatiq {version}'s tests on {broker}"))
    for test in outcomes.get("rabbitmq", dramatiq_suite.Outcome()).failed:
        conformance_report.append(f"the control failed {test}")
    failures = outcomes["postgres"].failed
    if failures:
        failures = run("postgres", only=sorted(failures)).failed
        conformance_report.append(f"run again alone on postgres: {', '.join(sorted(outcomes['postgres'].failed))}; "
                                  f"failed again: {', '.join(sorted(failures)) or 'none'}")
    assert failures == {}, "\n\n".join(f"{test}: {text}" for test, text in failures.items())
    assert all(outcome.passed and not outcome.skipped for outcome in outcomes.values())
