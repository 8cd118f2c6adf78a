"""The golden set through the real SDKs and the fake provider server, and through the canned-job planner."""
import json
import re

import pytest

from gateway import GatewayConfig, WorkOrder, enrich, plan_tasks
from gateway.evaluation import evaluate


@pytest.fixture(scope="module")
def golden_run(golden, golden_raw, llm_server):
    shop, cases = golden
    llm_server.load_cases([{"match": c["match"], "responses": c["responses"]} for c in golden_raw.values()])
    config = GatewayConfig(anthropic_api_key="sk-ant-test-key-0001", openai_api_key="sk-openai-test-key-0002",
                           anthropic_base_url=llm_server.anthropic_base_url,
                           openai_base_url=llm_server.openai_base_url, max_retries=2, deadline_s=10.0)
    report = evaluate(cases, shop, config)
    return report, list(llm_server.requests)


def test_at_least_90_percent_of_the_golden_set_gets_a_valid_plan(golden_run):
    report, _ = golden_run
    summary = report.summary()
    assert summary["cases"] >= 50
    assert summary["plan_valid_rate"] >= 0.90, summary
    assert summary["enrich_valid_rate"] == 1.0, summary


def test_every_case_ends_as_expected_and_plans_use_the_expected_skills(golden_run):
    report, _ = golden_run
    for r in report.results:
        assert r.plan.status == r.case.expected["status"], (r.case.id, r.plan.reasons)
        if r.plan.ok:
            assert {t.skill for t in r.plan.result.tasks} == set(r.case.expected["skills"]), r.case.id
            assert r.plan.source.split(":")[0] in ("anthropic", "openai")
        else:
            assert r.plan.result is None and r.plan.reasons, r.case.id


def test_scenarios_route_as_recorded(golden_run, golden_raw):
    report, _ = golden_run
    for r in report.results:
        scenario = golden_raw[r.case.id]["scenario"]
        plan_calls = [(c.provider, c.attempt, c.outcome) for c in r.plan.calls]
        if scenario in ("valid", "custom_valid", "enrich_repaired", "enrich_storm"):
            assert plan_calls == [("anthropic", "first", "valid")], r.case.id
        elif scenario == "repaired":
            assert plan_calls == [("anthropic", "first", "invalid"), ("anthropic", "repair", "repaired")], r.case.id
        elif scenario == "fallback_invalid":
            assert plan_calls == [("anthropic", "first", "invalid"), ("anthropic", "repair", "invalid"),
                                  ("openai", "fallback", "valid")], r.case.id
        elif scenario in ("refusal", "text_fallback"):
            assert plan_calls == [("anthropic", "first", "refused"), ("openai", "fallback", "valid")], r.case.id
        elif scenario == "storm":
            assert plan_calls == [("anthropic", "first", "error"), ("openai", "fallback", "valid")], r.case.id
        elif scenario == "needs_review":
            assert plan_calls[-1][:2] == ("openai", "fallback") and plan_calls[-1][2] in ("invalid", "refused")
        if scenario == "enrich_repaired":
            assert [c.outcome for c in r.enrichment.calls] == ["invalid", "repaired"]
        if scenario == "enrich_storm":
            assert [(c.provider, c.outcome) for c in r.enrichment.calls] == \
                [("anthropic", "error"), ("openai", "valid")]


def test_enrichment_restores_the_redacted_vin_and_plate(golden_run):
    report, _ = golden_run
    checked = 0
    for r in report.results:
        asset = r.enrichment.result.asset
        for field in ("vin", "plate", "make", "year"):
            if field in r.case.expected["asset"]:
                assert getattr(asset, field) == r.case.expected["asset"][field], (r.case.id, field)
                checked += field in ("vin", "plate")
    assert checked >= 8


def test_no_known_pii_reaches_any_provider(golden_run, golden):
    _, requests = golden_run
    _, cases = golden
    pii = {value.lower() for c in cases for value in (c.work_order.customer_name, c.work_order.phone,
                                                      c.work_order.email, c.work_order.vin, c.work_order.plate)
           if value}
    pii |= {part.lower() for c in cases if c.work_order.customer_name for part in c.work_order.customer_name.split()}
    assert len(requests) > 2 * len(cases)
    for request in requests:
        body = request.raw.decode().lower()
        leaked = [value for value in pii
                  if re.search(r"(?<![a-z0-9])" + re.escape(json.dumps(value)[1:-1]) + r"(?![a-z0-9])", body)]
        assert not leaked, (request.path, leaked)


def test_every_call_is_recorded_with_tokens_cost_and_prompt_version(golden_run):
    report, requests = golden_run
    calls = [c for r in report.results for c in (*r.enrichment.calls, *r.plan.calls)]
    # A 529 storm is one call record but 1 + max_retries requests.
    storms = sum(c.outcome == "error" for c in calls)
    assert len(requests) == len(calls) + 2 * storms
    for c in calls:
        assert c.prompt_name.startswith(c.purpose) and len(c.prompt_hash) == 16
        if c.outcome == "error":
            assert c.tokens_in == 0 and "529" in c.error
        else:
            assert c.tokens_in > 0 and c.tokens_out > 0 and c.cost_usd > 0


def test_canned_job_planning_matches_the_expected_jobs(golden):
    shop, cases = golden
    no_keys = GatewayConfig()
    for case in cases:
        outcome = plan_tasks(case.work_order, None, shop, no_keys)
        expected = case.expected["canned_jobs"]
        if expected:
            assert outcome.ok and outcome.source == "canned:" + "+".join(expected), (case.id, outcome.source)
            assert not outcome.calls
        else:
            assert outcome.status == "needs_review" and outcome.reasons == ["no canned job matches the description"]


def test_rule_enrichment_without_keys_finds_the_asset_details(golden):
    shop, cases = golden
    for case in cases:
        outcome = enrich(case.work_order, GatewayConfig())
        assert outcome.ok and outcome.source == "rules"
        asset = outcome.result.asset
        for field, value in case.expected["asset"].items():
            assert getattr(asset, field) == value, (case.id, field)


def test_rule_enrichment_ignores_numbers_outside_model_years():
    work_order = WorkOrder(description="Fleet unit 2032 pulls left under braking, 2019 Ford Transit")
    outcome = enrich(work_order, GatewayConfig())
    assert outcome.ok and outcome.result.asset.year == 2019
