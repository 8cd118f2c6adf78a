"""`bayflow llm eval` as a user runs it: a separate process, configured by environment."""
import json
import subprocess

import pytest

from bayflow.cli import main
from bayflow.paths import ROOT
from tests.support.environment import LLM_PROVIDER_ENV, child_environment
from tests.support.processes import BAYFLOW


def run(*args, **env):
    return subprocess.run([BAYFLOW, "llm", "eval", *args], cwd=ROOT, env=child_environment(**env),
                          capture_output=True, text=True, timeout=120)


def test_eval_without_keys_evaluates_the_canned_job_planner():
    done = run("--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["mode"] == "canned" and summary["cases"] >= 50 and summary["calls"] == 0
    assert summary["agrees_with_expected_rate"] == 1.0
    assert summary["plan_valid_rate"] >= 0.9


def test_eval_against_providers_reports_rates_tokens_cost_and_latency(llm_server, golden_raw):
    llm_server.load_cases([{"match": c["match"], "responses": c["responses"]} for c in golden_raw.values()])
    done = run(ANTHROPIC_API_KEY="sk-ant-eval", OPENAI_API_KEY="sk-openai-eval", LLM_MAX_RETRIES="2",
               ANTHROPIC_BASE_URL=llm_server.anthropic_base_url, OPENAI_BASE_URL=llm_server.openai_base_url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout
    assert "mode: llm (anthropic, openai; models claude-sonnet-5, gpt-4.1-mini)" in lines
    for label in ("plan_valid_rate", "repair_rate", "fallback_rate", "needs_review_rate", "tokens in / out",
                  "cost", "latency per case p50 / p95"):
        assert label in lines
    rates = {line.split()[0]: float(line.split()[1].rstrip("%")) for line in lines.splitlines()
             if line.strip().split(" ")[0].endswith("_rate")}
    assert rates["plan_valid_rate"] >= 90 and rates["repair_rate"] > 0 and rates["fallback_rate"] > 0
    assert rates["agrees_with_expected_rate"] == 100


@pytest.fixture
def cli(env):
    """`bayflow` in this process, with the LLM environment cleared."""
    env(unset=LLM_PROVIDER_ENV)
    return main


def test_eval_names_a_bad_golden_directory(cli, tmp_path, capsys):
    assert cli(["llm", "eval", "--golden", str(tmp_path)]) == 2
    assert f"--golden {tmp_path}: expected shop.json and a cases/ directory there" in capsys.readouterr().err


def test_eval_for_a_provider_without_a_key_is_refused(cli, capsys):
    assert cli(["llm", "eval", "--provider", "openai"]) == 2
    assert "--provider openai: OPENAI_API_KEY is not set" in capsys.readouterr().err
