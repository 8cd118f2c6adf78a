"""End to end through the Anthropic SDK: the workers talk to a fake Anthropic server on
127.0.0.1 speaking its wire format; the calls are recorded in `llm_calls`."""
from tests.fakes.llm_server import FakeLLMServer
from tests.pipelines.conftest import TECH_ANA, TECHNICIAN_ANA, new_work_order

ENRICHMENT = {"category": "electrical", "urgency": "high", "suggested_priority": 4,
              "asset": {"kind": "van", "make": "Ford", "model": "Transit", "year": 2019, "vin": None,
                        "plate": "KX19 ABC", "mileage": 61000, "mileage_unit": "mi"},
              "summary": "Battery light on; alternator likely failing"}
PLAN = {"tasks": [
    {"key": "test_charging", "name": "Test charging system", "duration_min": 30, "skill": "electrical",
     "bay_type": None, "parts": [], "depends_on": []},
    {"key": "replace_alternator", "name": "Replace alternator", "duration_min": 120, "skill": "electrical",
     "bay_type": "lift", "parts": [{"name": "alternator", "qty": 1}], "depends_on": ["test_charging"]},
]}


def test_work_order_planned_by_anthropic_end_to_end(stack_factory):
    with FakeLLMServer() as llm:
        llm.script({"enrich": {"anthropic": [{"tool_input": ENRICHMENT}]},
                    "plan_tasks": {"anthropic": [{"tool_input": PLAN, "usage": {"input_tokens": 1200,
                                                                               "output_tokens": 300}}]}})
        stack = stack_factory({"ANTHROPIC_API_KEY": "sk-ant-test-pipeline",
                               "ANTHROPIC_BASE_URL": llm.anthropic_base_url, "ANTHROPIC_MODEL": "claude-sonnet-4-5"})
        created = stack.call("POST", "/v1/work_orders", json=new_work_order(
            description="Ford Transit van, battery light on while driving", customer_name="Sam Patel"))
        assert created.status_code == 201, created.text
        wo = created.json()["id"]
        assert stack.wait_finished(wo)[1:] == ("succeeded", "notify", None)

        # One forced-tool call per step, with the customer's name redacted from what left the shop.
        assert [r.purpose for r in llm.requests_to("anthropic")] == ["enrich", "plan_tasks"]
        assert all("Sam Patel" not in r.raw.decode() for r in llm.requests)
        plan_request = llm.requests_to("anthropic", "plan_tasks")[0].body
        assert "electrical" in plan_request["system"] and "lift" in plan_request["system"]

    model = "anthropic:claude-sonnet-4-5"
    detail = stack.call("GET", f"/v1/work_orders/{wo}").json()
    assert (detail["status"], detail["category"], detail["urgency"]) == ("scheduled", "electrical", "high")
    assert (detail["asset_make"], detail["asset_model"], detail["plate"]) == ("Ford", "Transit", "KX19 ABC")
    assert [(t["name"], t["duration_minutes"], t["required_bay_type"]) for t in detail["tasks"]] == [
        ("Test charging system", 30, None), ("Replace alternator", 120, "lift")]
    assert detail["tasks"][1]["depends_on"] == [detail["tasks"][0]["id"]]
    assert stack.sql("select plan_source, enrichment_source, enrichment->>'suggested_priority',"
                     " (select parts from public.tasks where work_order_id = w.id and position = 1)"
                     " from public.work_orders w where id = %s", (wo,))[0] == (
        model, model, "4", [{"name": "alternator", "qty": 1}])
    calls = stack.sql("select purpose, provider, model, attempt, outcome, tokens_in, tokens_out from public.llm_calls"
                      " where work_order_id = %s order by id", (wo,))
    assert calls == [("enrich", "anthropic", "claude-sonnet-4-5", "first", "valid", 850, 240),
                     ("plan_tasks", "anthropic", "claude-sonnet-4-5", "first", "valid", 1200, 300)]

    # Only Ana has the electrical skill: both tasks are hers, in order, and she is told.
    assert {t["assigned_technician_id"] for t in detail["tasks"]} == {TECHNICIAN_ANA}
    assert detail["tasks"][0]["planned_end"] <= detail["tasks"][1]["planned_start"]
    [note] = stack.call("GET", "/v1/notifications", TECH_ANA).json()["items"]  # one for the run, both tasks listed
    assert sorted(t["name"] for t in note["payload"]["tasks"]) == ["Replace alternator", "Test charging system"]
