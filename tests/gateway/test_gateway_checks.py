"""Cross-field checks on task plans, and the canned-job catalogue against the demo shop."""
import pytest
from pydantic import ValidationError

from gateway import Enrichment, TaskPlan
from gateway.canned import load_canned_jobs, match_canned_jobs
from gateway.checks import plan_errors
from gateway.config import GatewayConfig


def plan(*tasks) -> TaskPlan:
    return TaskPlan.model_validate({"tasks": [
        {"key": key, "name": key, "duration_min": minutes, "skill": skill, "bay_type": bay, "parts": [],
         "depends_on": deps} for key, minutes, skill, bay, deps in tasks]})


def test_a_sound_plan_has_no_errors(shop):
    assert plan_errors(plan(("a", 30, "brakes", "lift", []), ("b", 960, "general", None, ["a"]),
                            ("c", 5, "tires", "alignment", ["a", "b"])), shop) == []


@pytest.mark.parametrize("tasks, message", [
    ([("a", 4, "brakes", None, [])], "task 'a': duration_min 4 is outside 5..960"),
    ([("a", 961, "brakes", None, [])], "task 'a': duration_min 961 is outside 5..960"),
    ([("a", 30, "welding", None, [])], "task 'a': skill 'welding' is not one of ['brakes', 'diagnostics'"),
    ([("a", 30, "brakes", "paint_booth", [])],
     "task 'a': bay_type 'paint_booth' is not one of ['alignment', 'heavy', 'lift'] or null"),
    ([("a", 30, "brakes", None, ["a"])], "task 'a' depends on itself"),
    ([("a", 30, "brakes", None, ["z"])], "task 'a' depends on 'z', which is not a task of this plan"),
    ([("a", 30, "brakes", None, []), ("a", 30, "brakes", None, [])], "task key 'a' is used more than once"),
    ([("a", 30, "brakes", None, ["c"]), ("b", 30, "brakes", None, ["a"]), ("c", 30, "brakes", None, ["b"])],
     "dependencies form a cycle: a -> c -> b -> a"),
])
def test_each_broken_rule_is_named(shop, tasks, message):
    errors = plan_errors(plan(*tasks), shop)
    assert any(e.startswith(message) for e in errors), errors


def test_the_schema_rejects_what_it_can_express():
    with pytest.raises(ValidationError):
        TaskPlan.model_validate({"tasks": []})
    with pytest.raises(ValidationError):
        plan(("Not A Key", 30, "brakes", None, []))
    with pytest.raises(ValidationError):
        Enrichment.model_validate({"category": "brakes", "urgency": "whenever", "suggested_priority": 9,
                                   "summary": "x", "asset": {}})


def test_every_canned_job_fits_the_demo_shop(shop):
    jobs = load_canned_jobs(GatewayConfig().canned_jobs_path)
    assert len(jobs) >= 15 and len({j.id for j in jobs}) == len(jobs)
    for job in jobs:
        assert plan_errors(TaskPlan(tasks=list(job.tasks)), shop) == [], job.id


def test_canned_matching_prefers_the_longest_phrase_and_combines_jobs():
    jobs = load_canned_jobs(GatewayConfig().canned_jobs_path)
    match = match_canned_jobs("Front brake pads and rotors please, and an oil change.", jobs)
    assert match.source == "canned:brake_pads_rotors+oil_change"
    keys = [t.key for t in match.plan.tasks]
    assert len(keys) == len(set(keys))
    assert match_canned_jobs("Front brake pads squeal", jobs).source == "canned:brake_pads_front"
    assert match_canned_jobs("Paint the fence", jobs) is None


def test_combined_jobs_rename_clashing_keys_and_their_dependencies(shop):
    jobs = load_canned_jobs(GatewayConfig().canned_jobs_path)
    match = match_canned_jobs("alternator replacement, then a battery test", jobs)
    assert match.source == "canned:alternator_replacement+battery_replacement"
    by_key = {t.key: t for t in match.plan.tasks}
    assert "battery_replacement_test_charging" in by_key  # test_charging was taken by the alternator job
    assert by_key["replace_battery"].depends_on == ["battery_replacement_test_charging"]
    assert plan_errors(match.plan, shop) == []


def test_a_job_that_includes_another_supersedes_it():
    jobs = load_canned_jobs(GatewayConfig().canned_jobs_path)
    ids = {j.id for j in jobs}
    assert all(set(j.supersedes) <= ids for j in jobs)
    # "front brake" alone would pick the pads job; the pedal pulse brings pads + rotors, which include the pads.
    assert match_canned_jobs("Front brake noise and the pedal pulses", jobs).source == "canned:brake_pads_rotors"
    assert match_canned_jobs("Struts knock, then check alignment", jobs).source == "canned:strut_replacement"
