"""Routing through the real SDKs against the fake provider server: repair, fallback,
refusals, provider errors, SDK retries and the per-record deadline."""
import dataclasses
import json
import time

import pytest

from gateway import WorkOrder, plan_tasks
from gateway.prompts import load_prompt
from tests.support.processes import free_port

ORDER = WorkOrder("2016 Honda Civic, grinding when braking. Customer Maria Lopez.", id="0b7c",
                  customer_name="Maria Lopez")
GOOD = {"tasks": [
    {"key": "inspect", "name": "Inspect brakes", "duration_min": 20, "skill": "brakes", "bay_type": "lift",
     "parts": [], "depends_on": []},
    {"key": "replace", "name": "Replace pads and rotors", "duration_min": 120, "skill": "brakes", "bay_type": "lift",
     "parts": [{"name": "brake pad set", "qty": 1}], "depends_on": ["inspect"]}]}
BAD = {"tasks": [{**GOOD["tasks"][0], "duration_min": 1920, "skill": "welding"},
                 {**GOOD["tasks"][1], "depends_on": ["inspect", "jack_up"]}]}
USAGE = {"input_tokens": 1000, "output_tokens": 200}


def ok(plan=GOOD):
    return {"tool_input": plan, "usage": USAGE}


def test_valid_answer_is_used_and_recorded(llm_server, config, shop):
    llm_server.script({"plan_tasks": {"anthropic": [ok()]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.ok and outcome.result.model_dump() == GOOD
    assert outcome.source == "anthropic:claude-sonnet-5"
    [call] = outcome.calls
    prompt = load_prompt(config.prompts_dir, "plan_tasks.v1")
    assert (call.work_order_id, call.purpose, call.attempt, call.outcome) == ("0b7c", "plan_tasks", "first", "valid")
    assert (call.prompt_name, call.prompt_hash) == ("plan_tasks.v1", prompt.hash)
    assert (call.tokens_in, call.tokens_out) == (1000, 200)
    assert str(call.cost_usd) == "0.004000"  # 1000 * $2/M + 200 * $10/M
    [request] = llm_server.requests
    body = request.body
    assert request.headers["authorization"] == "Bearer sk-ant-test-key-0001"
    assert body["tool_choice"] == {"type": "tool", "name": "record_task_plan"}
    assert body["tools"][0]["strict"] is True and body["tools"][0]["input_schema"]["additionalProperties"] is False
    assert "brakes, diagnostics, electrical" in body["system"]


def test_repair_shows_the_model_its_validation_errors(llm_server, config, shop):
    llm_server.script({"plan_tasks": {"anthropic": [ok(BAD), ok()]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.ok and outcome.repaired and not outcome.fell_back
    assert [(c.attempt, c.outcome) for c in outcome.calls] == [("first", "invalid"), ("repair", "repaired")]
    assert outcome.calls[1].prompt_name == "plan_tasks.v1+repair.v1"
    first, repair = llm_server.requests
    messages = repair.body["messages"]
    assert messages[0] == first.body["messages"][0]
    tool_use = messages[1]["content"][0]
    assert tool_use["type"] == "tool_use" and tool_use["input"] == BAD
    result = messages[2]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True and result["tool_use_id"] == tool_use["id"]
    assert "task 'inspect': duration_min 1920 is outside 5..960" in result["content"]
    assert "task 'inspect': skill 'welding' is not one of" in result["content"]
    assert "task 'replace' depends on 'jack_up', which is not a task of this plan" in result["content"]


def test_invalid_twice_falls_back_to_openai(llm_server, config, shop):
    llm_server.script({"plan_tasks": {"anthropic": [ok(BAD), ok(BAD)], "openai": [{"content": GOOD}]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.ok and outcome.fell_back and outcome.source == "openai:gpt-4.1-mini"
    assert [(c.provider, c.attempt, c.outcome) for c in outcome.calls] == [
        ("anthropic", "first", "invalid"), ("anthropic", "repair", "invalid"), ("openai", "fallback", "valid")]
    [request] = llm_server.requests_to("openai")
    assert request.headers["authorization"] == "Bearer sk-openai-test-key-0002"
    fmt = request.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["tasks"]
    assert request.body["messages"][0]["role"] == "system"


def test_still_invalid_everywhere_goes_to_review_with_the_reasons(llm_server, config, shop):
    cyclic = {"tasks": [{**GOOD["tasks"][0], "depends_on": ["replace"]}, GOOD["tasks"][1]]}
    llm_server.script({"plan_tasks": {"anthropic": [ok(BAD), ok(BAD)], "openai": [{"content": cyclic}]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.status == "needs_review" and outcome.result is None and outcome.source is None
    assert len(outcome.reasons) == 3
    assert "welding" in outcome.reasons[0] and "welding" in outcome.reasons[1]
    assert "dependencies form a cycle: inspect -> replace -> inspect" in outcome.reasons[2]


@pytest.mark.parametrize("anthropic_reply", [
    {"refusal": "I can't help with that."},
    {"text": "Sure! First inspect the brakes."},  # answered without calling the tool
])
def test_anthropic_refusal_counts_as_invalid_and_falls_back(llm_server, config, shop, anthropic_reply):
    llm_server.script({"plan_tasks": {"anthropic": [anthropic_reply], "openai": [{"content": GOOD}]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.ok and outcome.source == "openai:gpt-4.1-mini"
    assert [c.outcome for c in outcome.calls] == ["refused", "valid"]
    assert len(llm_server.requests_to("anthropic")) == 1  # no repair of a refusal


def test_openai_refusal_and_non_json_go_to_review(llm_server, config, shop):
    llm_server.script({"plan_tasks": {"anthropic": [{"status": 529, "times": 3}],
                                      "openai": [{"refusal": "I can't assist with that."}]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.status == "needs_review" and outcome.calls[-1].outcome == "refused"
    assert "I can't assist with that." in outcome.reasons[-1]
    llm_server.script({"plan_tasks": {"anthropic": [{"status": 529, "times": 3}], "openai": [{"text": "{'tasks': "}]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.status == "needs_review" and "output is not JSON" in outcome.reasons[-1]


@pytest.mark.parametrize("max_retries", [0, 2])
@pytest.mark.parametrize("status", [529, 500])
def test_overload_storm_makes_one_plus_max_retries_requests_then_falls_back(llm_server, config, shop, status,
                                                                             max_retries):
    config = dataclasses.replace(config, max_retries=max_retries)
    llm_server.script({"plan_tasks": {"anthropic": [{"status": status, "times": 10}], "openai": [{"content": GOOD}]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.ok and outcome.source == "openai:gpt-4.1-mini"
    attempts = llm_server.requests_to("anthropic")
    assert [r.headers["x-stainless-retry-count"] for r in attempts] == [str(i) for i in range(max_retries + 1)]
    assert len(llm_server.requests_to("openai")) == 1
    assert outcome.calls[0].outcome == "error" and f"HTTP {status}" in outcome.calls[0].error


def test_client_errors_are_not_retried_and_fall_back(llm_server, config, shop):
    llm_server.script({"plan_tasks": {"anthropic": [{"status": 401, "message": "invalid x-api-key"}],
                                      "openai": [{"content": GOOD}]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.ok and len(llm_server.requests_to("anthropic")) == 1
    assert "AuthenticationError (HTTP 401)" in outcome.calls[0].error
    assert "sk-ant-test-key-0001" not in outcome.calls[0].error


def test_unreachable_anthropic_falls_back(llm_server, config, shop):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    config = dataclasses.replace(config, anthropic_base_url=dead, max_retries=0)
    llm_server.script({"plan_tasks": {"openai": [{"content": GOOD}]}})
    outcome = plan_tasks(ORDER, None, shop, config)
    assert outcome.ok and outcome.source == "openai:gpt-4.1-mini"
    assert outcome.calls[0].outcome == "error" and "APIConnectionError" in outcome.calls[0].error


def test_deadline_bounds_a_slow_provider(llm_server, config, shop):
    config = dataclasses.replace(config, deadline_s=1.0)
    llm_server.script({"plan_tasks": {"anthropic": [{**ok(), "delay_s": 8}], "openai": [{"content": GOOD}]}})
    started = time.monotonic()
    outcome = plan_tasks(ORDER, None, shop, config)
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 1.6, elapsed
    assert outcome.status == "needs_review" and [c.outcome for c in outcome.calls] == ["deadline"]
    assert "deadline of 1 s passed" in outcome.reasons[0]
    assert len(llm_server.requests_to("anthropic")) == 1  # the SDK did not retry past the deadline
    assert llm_server.requests_to("openai") == []


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_retry_after_beyond_the_deadline_is_not_waited_for(llm_server, config, shop, provider):
    config = dataclasses.replace(config, deadline_s=5.0)
    if provider == "openai":
        config = dataclasses.replace(config, anthropic_api_key=None)
    llm_server.script({"plan_tasks": {provider: [{"status": 529 if provider == "anthropic" else 503,
                                                  "retry_after_s": 100}, ok()],
                                      "openai": [{"status": 503, "retry_after_s": 100}, {"content": GOOD}]}})
    started = time.monotonic()
    outcome = plan_tasks(ORDER, None, shop, config)
    assert time.monotonic() - started < 2
    assert len(llm_server.requests_to(provider)) == 1
    assert outcome.calls[0].outcome == "error"


def test_a_provider_without_a_key_is_skipped(llm_server, config, anthropic_only, shop):
    llm_server.script({"plan_tasks": {"anthropic": [ok(BAD), ok(BAD)], "openai": [{"content": GOOD}]}})
    outcome = plan_tasks(ORDER, None, shop, anthropic_only)
    assert outcome.status == "needs_review" and llm_server.requests_to("openai") == []
    openai_only = dataclasses.replace(config, anthropic_api_key=None)
    llm_server.script({"plan_tasks": {"anthropic": [ok()], "openai": [{"content": GOOD}]}})
    outcome = plan_tasks(ORDER, None, shop, openai_only)
    assert outcome.ok and outcome.source == "openai:gpt-4.1-mini" and llm_server.requests_to("anthropic") == []
    assert outcome.calls[0].attempt == "first"


def test_plan_request_carries_the_enrichment_but_no_pii(llm_server, config, shop):
    from gateway import Asset, Enrichment
    order = WorkOrder("Brakes grinding on the Civic. Call Maria on 415-555-0134, plate 7ABC123.",
                      customer_name="Maria Lopez", phone="+1 415 555 0134", plate="7ABC123")
    enrichment = Enrichment(category="brakes", urgency="high", suggested_priority=4, summary="Brakes grind",
                            asset=Asset(kind="car", make="Honda", model="Civic", year=2016, vin=None,
                                        plate="7ABC123", mileage=84000, mileage_unit="mi"))
    llm_server.script({"plan_tasks": {"anthropic": [ok()]}})
    assert plan_tasks(order, enrichment, shop, config).ok
    [request] = llm_server.requests
    text = request.body["messages"][0]["content"]
    assert '"make": "Honda"' in text and '"mileage": 84000' in text
    assert "Call [NAME_1] on [PHONE_1], plate [PLATE_1]." in text
    for secret in ("Maria", "555-0134", "7ABC123"):
        assert secret not in json.dumps(request.body)
