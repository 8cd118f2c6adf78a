"""The CP-SAT core on generated shops (checked by an independent checker) and on hand-built cases."""
import copy
from dataclasses import replace

import pytest

from scheduler import SolverParameters, empty_shop, solve
from scheduler.generate import generate
from scheduler.problem import Lock
from scheduler.scenario import from_dict
from scheduler.solver import baseline
from tests.scheduler.schedule_checker import violations

QUICK = SolverParameters(time_limit_s=1.0, num_workers=2)


def placed_of(result):
    return {i.task: i for i in result.items}


@pytest.mark.parametrize("tasks,techs,bays,seed", [
    (12, 2, 2, 1), (20, 3, 2, 2), (25, 4, 3, 3), (30, 4, 2, 4), (30, 5, 4, 5), (40, 6, 4, 6), (40, 3, 3, 7),
    (60, 8, 5, 8),
])
def test_generated_schedules_keep_every_hard_constraint(tasks, techs, bays, seed):
    problem = generate(tasks, techs, bays, seed)
    result = solve(problem, QUICK)
    assert result.status in ("optimal", "feasible")
    assert violations(problem, placed_of(result), set(result.unscheduled)) == []
    # The greedy baseline obeys the same hard constraints.
    assert violations(problem, baseline(problem), set(result.unscheduled)) == []
    assert result.objective <= result.baseline_objective


def test_fifty_tasks_solve_with_a_populated_breakdown_and_locks_held():
    problem = generate(50, 6, 4, seed=11)
    free = solve(problem, SolverParameters(time_limit_s=3.0))
    assert free.status in ("optimal", "feasible") and len(free.items) + len(free.unscheduled) == 50
    breakdown = free.breakdown()
    assert set(breakdown) == {"tardiness", "completion", "stability"}
    assert breakdown["completion"]["value"] > 0
    assert sum(t["weighted"] for t in breakdown.values()) == free.objective

    # Lock six tasks to where the greedy baseline (a feasible schedule, unlike the optimum) put them.
    greedy = baseline(problem)
    chosen = [t for t in problem.tasks if t.id in greedy and greedy[t.id].start != placed_of(free)[t.id].start][:6]
    assert len(chosen) == 6
    locked = copy.copy(problem)
    locks = {t.id: greedy[t.id] for t in chosen}
    locked.tasks = [replace(t, lock=Lock(locks[t.id].start, locks[t.id].technician, locks[t.id].bay))
                    if t.id in locks else t for t in problem.tasks]
    locked.__post_init__()
    result = solve(locked, SolverParameters(time_limit_s=3.0))
    placed = placed_of(result)
    for tid, a in locks.items():
        assert (placed[tid].start, placed[tid].technician, placed[tid].bay) == (a.start, a.technician, a.bay)
        assert placed[tid].why[0].startswith("locked by dispatcher (start, technician")
    assert violations(locked, placed, set(result.unscheduled)) == []


def shop(tasks, technicians=None, bays=None, work_orders=None, **extra) -> dict:
    """A one-day scenario; times are minutes from 08:00."""
    return {
        "horizon": {"start": "2026-11-30T08:00:00Z", "length_minutes": 600},
        "technicians": technicians if technicians is not None else [
            {"id": "ana", "name": "Ana", "skills": ["brakes", "diagnostics"]},
            {"id": "ben", "name": "Ben", "skills": ["brakes"]},
        ],
        "bays": bays if bays is not None else [{"id": "l1", "name": "Lift 1", "type": "lift"},
                                                {"id": "l2", "name": "Lift 2", "type": "lift"}],
        "work_orders": work_orders or [{"id": "wo1", "due_at": 600, "priority": 1}],
        "tasks": [{"work_order": "wo1", "skill": "brakes", **t} for t in tasks],
        **extra,
    }


def solved(scenario, **params):
    problem = from_dict(scenario)
    result = solve(problem, SolverParameters(**{"time_limit_s": 2.0, **params}))
    assert violations(problem, placed_of(result), set(result.unscheduled)) == []
    return result, placed_of(result)


def test_each_lock_field_holds_on_its_own():
    result, placed = solved(shop([
        {"id": "a", "name": "Start locked", "duration_minutes": 60, "lock": {"start": 120}},
        {"id": "b", "name": "Tech locked", "duration_minutes": 60, "lock": {"technician": "ben"}},
        {"id": "c", "name": "Bay locked", "duration_minutes": 60, "bay_type": "lift", "lock": {"bay": "l2"}},
        {"id": "d", "name": "All locked", "duration_minutes": 30, "bay_type": "lift",
         "lock": {"start": 300, "technician": "ana", "bay": "l1"}},
    ]))
    assert result.status == "optimal"
    assert placed["a"].start == 120
    assert placed["b"].technician == "ben"
    assert placed["c"].bay == "l2"
    assert (placed["d"].start, placed["d"].technician, placed["d"].bay) == (300, "ana", "l1")
    assert "locked by dispatcher (start)" in placed["a"].why
    assert "locked by dispatcher (technician)" in placed["b"].why


@pytest.mark.parametrize("task,kind,words", [
    ({"lock": {"technician": "ben"}, "skill": "diagnostics"}, "lock_conflict", "Ben, who lacks skill 'diagnostics'"),
    ({"lock": {"bay": "l1"}}, "lock_conflict", "needs no bay"),
    ({"lock": {"start": 30}, "parts_ready": 60}, "lock_conflict", "parts arrive 09:00"),
    ({"lock": {"start": 590}}, "lock_conflict", "outside the planning horizon"),
    ({"skill": "welding"}, "missing_skill", "no technician has skill 'welding'"),
    ({"bay_type": "paint"}, "missing_bay_type", "no bay of type 'paint'"),
    ({"parts_ready": "no_eta"}, "waiting_on_parts", "waiting on parts: no ETA"),
    ({"duration_minutes": 700}, "no_window", "takes 700 min"),
])
def test_diagnosed_task_is_reported_and_the_rest_still_schedules(task, kind, words):
    result, placed = solved(shop([
        {"id": "bad", "name": "Bad", "duration_minutes": 60, **task},
        {"id": "after", "name": "After", "duration_minutes": 30, "depends_on": ["bad"]},
        {"id": "fine", "name": "Fine", "duration_minutes": 30},
    ]))
    assert result.status == "optimal" and set(placed) == {"fine"}
    diagnosis = next(d for d in result.diagnoses if d.task == "bad")
    assert diagnosis.kind == kind and words in diagnosis.message
    assert "'Bad'" in result.unscheduled["after"][0]


def test_task_longer_than_any_shift_of_an_eligible_tech():
    techs = [{"id": "ana", "name": "Ana", "skills": ["brakes"], "availability": [{"start": 0, "end": 240},
                                                                                   {"start": 300, "end": 540}]}]
    result, placed = solved(shop([{"id": "long", "name": "Long", "duration_minutes": 300}], technicians=techs))
    assert result.unscheduled == {"long": ["takes 300 min; the longest availability window of any technician "
                                           "with skill 'brakes' is 240 min"]}


def test_dependency_cycle_and_overlapping_locks_are_diagnosed():
    result, placed = solved(shop([
        {"id": "x", "name": "X", "duration_minutes": 30, "depends_on": ["y"]},
        {"id": "y", "name": "Y", "duration_minutes": 30, "depends_on": ["x"]},
        {"id": "p", "name": "P", "duration_minutes": 60, "lock": {"start": 60, "technician": "ana"}},
        {"id": "q", "name": "Q", "duration_minutes": 60, "lock": {"start": 90, "technician": "ana"}},
        {"id": "r", "name": "R", "duration_minutes": 60, "lock": {"start": 200}, "depends_on": ["s"]},
        {"id": "s", "name": "S", "duration_minutes": 60, "parts_ready": 180},
        {"id": "ok", "name": "OK", "duration_minutes": 30},
    ]))
    kinds = {d.task: d.kind for d in result.diagnoses}
    assert kinds == {"x": "dependency_cycle", "y": "dependency_cycle", "p": "lock_conflict", "q": "lock_conflict",
                     "r": "lock_conflict"}
    assert "overlapping 'Q' locked there at 09:30" in result.unscheduled["p"][0]
    assert "'S' (dependency) cannot end before 12:00" in result.unscheduled["r"][0]
    assert set(placed) == {"s", "ok"}


def test_locks_that_clash_only_inside_the_model_are_reported_not_broken():
    """Two tasks locked at the same time on the only lift: no pair shares a locked bay, so only the solve finds it."""
    result, placed = solved(shop([
        {"id": "a", "name": "A", "duration_minutes": 60, "bay_type": "lift", "lock": {"start": 60}},
        {"id": "b", "name": "B", "duration_minutes": 60, "bay_type": "lift", "lock": {"start": 90}},
        {"id": "c", "name": "C", "duration_minutes": 30},
    ], bays=[{"id": "l1", "name": "Lift 1", "type": "lift"}]))
    assert result.status == "optimal"
    conflicts = [d for d in result.diagnoses if d.kind == "lock_conflict"]
    assert len(conflicts) == 1 and conflicts[0].task in {"a", "b"}
    assert "cannot hold together with the other locks" in conflicts[0].message
    kept = ({"a", "b"} - {conflicts[0].task}).pop()
    assert set(placed) == {kept, "c"}


def test_why_names_the_binding_constraint():
    techs = [
        {"id": "ana", "name": "Ana", "skills": ["brakes", "diagnostics"]},
        {"id": "ben", "name": "Ben", "skills": ["brakes"], "availability": [{"start": 120, "end": 600}]},
        {"id": "cy", "name": "Cy", "skills": ["oil"], "availability": [{"start": 0, "end": 600}],
         "time_off": [{"start": 0, "end": 60}]},
    ]
    result, placed = solved(shop([
        {"id": "parts", "name": "Fit part", "duration_minutes": 30, "skill": "diagnostics", "parts_ready": 150},
        {"id": "drain", "name": "Drain oil", "duration_minutes": 45, "skill": "oil"},
        {"id": "fill", "name": "Fill oil", "duration_minutes": 15, "skill": "oil", "depends_on": ["drain"]},
        {"id": "diag1", "name": "Scan codes", "duration_minutes": 60, "skill": "diagnostics"},
        {"id": "diag2", "name": "Road test", "duration_minutes": 60, "skill": "diagnostics"},
    ], technicians=techs, bays=[]))
    assert "starts 10:30: parts arrive 10:30" in placed["parts"].why
    assert "starts 09:00: Cy is back from time off at 09:00" in placed["drain"].why
    assert "after 'Drain oil' (dependency) ends 09:45" in placed["fill"].why
    assert "Cy is the only technician with skill 'oil'" in placed["fill"].why
    first, second = sorted((placed["diag1"], placed["diag2"]), key=lambda i: i.start)
    assert any(r.startswith("Ana is busy with ") and r.endswith("until 09:00") for r in second.why)


def test_why_explains_lateness_full_bays_and_the_only_free_tech():
    bays = [{"id": "l1", "name": "Lift 1", "type": "lift"}, {"id": "l2", "name": "Lift 2", "type": "lift"}]
    techs = [{"id": t, "name": t.title(), "skills": ["brakes"]} for t in ("ana", "ben", "cy")] + [
        {"id": "dee", "name": "Dee", "skills": ["brakes", "diagnostics"], "availability": [{"start": 0, "end": 360}]}]
    result, placed = solved(shop([
        {"id": "a", "name": "Pads A", "duration_minutes": 300, "bay_type": "lift", "work_order": "wo1"},
        {"id": "b", "name": "Pads B", "duration_minutes": 300, "bay_type": "lift", "work_order": "wo1"},
        {"id": "c", "name": "Pads C", "duration_minutes": 60, "bay_type": "lift", "work_order": "wo2"},
        {"id": "d", "name": "Scan", "duration_minutes": 60, "skill": "diagnostics", "work_order": "wo2"},
    ], technicians=techs, bays=bays, work_orders=[{"id": "wo1", "due_at": 300, "priority": 5},
                                                  {"id": "wo2", "due_at": 120, "priority": 1}]))
    c = placed["c"]
    assert c.start == 300
    assert c.why[0] == "late 240 min: due 10:00"
    assert "all 2 'lift' bays are full until 13:00" in c.why
    assert "Dee is the only technician with skill 'diagnostics'" in placed["d"].why
    assert result.lateness == {"wo1": 0, "wo2": 240}


def test_stability_keeps_the_previous_schedule_when_weighted():
    tasks = [{"id": "a", "name": "A", "duration_minutes": 60}]
    previous = [{"task": "a", "technician": "ben", "start": 60}]
    result, placed = solved(shop(tasks, previous_schedule=previous, weights={"stability": 5, "completion": 1}))
    assert (placed["a"].technician, placed["a"].start) == ("ben", 60)
    assert "starts 09:00: kept at its previous start (stability)" in placed["a"].why
    assert result.breakdown()["stability"]["value"] == 0
    result, placed = solved(shop(tasks, previous_schedule=previous, weights={"stability": 0}))
    # Moved 60 min and changed technician (counted as 60 min).
    assert placed["a"].start == 0 and result.breakdown()["stability"] == {"value": 120, "weight": 0, "weighted": 0}


def test_same_input_same_hash_and_parameters_are_recorded():
    scenario = shop([{"id": "a", "name": "A", "duration_minutes": 60}])
    first, _ = solved(scenario, random_seed=3)
    again, _ = solved(scenario, random_seed=3)
    scenario["tasks"][0]["duration_minutes"] = 61
    other, _ = solved(scenario)
    assert first.input_hash == again.input_hash != other.input_hash
    assert first.parameters["random_seed"] == 3 and first.parameters["num_workers"] == 2


def test_a_lock_that_leaves_no_room_for_a_predecessor_is_reported():
    """Ana alone: C is locked 08:00-13:00, B at 13:30, and A (60 min) must come before B."""
    techs = [{"id": "ana", "name": "Ana", "skills": ["brakes"]}]
    result, placed = solved(shop([
        {"id": "c", "name": "C", "duration_minutes": 300, "lock": {"start": 0}},
        {"id": "a", "name": "A", "duration_minutes": 60},
        {"id": "b", "name": "B", "duration_minutes": 30, "depends_on": ["a"], "lock": {"start": 330}},
    ], technicians=techs))
    assert result.status == "optimal"
    conflicts = {d.task: d.message for d in result.diagnoses if d.kind == "lock_conflict"}
    assert len(conflicts) == 1 and set(conflicts) <= {"b", "c"}
    assert set(placed) == {"a", "b", "c"} - set(conflicts)
    assert all(placed[t].start == {"c": 0, "b": 330}[t] for t in placed if t in ("b", "c"))


def test_an_overfull_horizon_schedules_what_fits_and_reports_the_rest():
    techs = [{"id": "ana", "name": "Ana", "skills": ["brakes"]}]
    result, placed = solved(shop([{"id": f"t{i}", "name": f"Job {i}", "duration_minutes": 200} for i in range(4)]
                                 + [{"id": "after", "name": "After", "duration_minutes": 10, "depends_on": ["t3"]}],
                                 technicians=techs))
    assert result.status == "feasible" and len(placed) == 3
    late = set(result.unscheduled)
    assert len(late) == 2 and "after" in late
    (job,) = late - {"after"}
    assert result.unscheduled[job] == [
        "not scheduled: no technician with skill 'brakes' free for 200 min before 18:00, end of the 600-minute horizon"]
    assert result.unscheduled["after"] == [f"not scheduled: depends on 'Job {job[1]}', which could not be placed"]


def test_the_scarce_bay_is_named_and_the_most_important_work_is_placed():
    """Three technicians, one lift, a day: lift work of priority 5 is placed before priority 1."""
    techs = [{"id": t, "name": t.title(), "skills": ["brakes"]} for t in ("ana", "ben", "cy")]
    orders = [{"id": "low", "due_at": 600, "priority": 1}, {"id": "high", "due_at": 600, "priority": 5}]
    tasks = [{"id": f"{wo}{i}", "name": f"Lift job {wo} {i}", "duration_minutes": 120, "bay_type": "lift",
              "work_order": wo} for wo in ("low", "high") for i in range(4)]
    result, placed = solved(shop(tasks, technicians=techs, bays=[{"id": "l1", "name": "Lift 1", "type": "lift"}],
                                 work_orders=orders))
    assert set(placed) >= {"high0", "high1", "high2", "high3"} and len(placed) == 5
    for task, reasons in result.unscheduled.items():
        assert task.startswith("low")
        assert reasons == ["not scheduled: no 'lift' bay free for 120 min before 18:00, end of the 600-minute horizon"]


def test_a_small_shop_not_proven_in_the_proof_attempt_is_proven_by_the_search_after_it(monkeypatch):
    from scheduler import solver as solver_module

    monkeypatch.setattr(solver_module, "PROOF_S", 0.05)  # far too short for this shop (it takes ~0.5 s)
    problem = generate(50, 6, 4, seed=1)
    result = solve(problem, SolverParameters(time_limit_s=10.0, num_workers=2))
    assert result.status == "optimal" and result.best_bound == result.objective
    assert result.parameters["proof_s"] == 0.05
    assert violations(problem, placed_of(result), set(result.unscheduled)) == []


def test_a_shop_too_large_to_search_in_time_still_gets_the_constructed_schedule(monkeypatch):
    from scheduler import solver as solver_module

    monkeypatch.setattr(solver_module, "MIN_SEARCH_S", 0.0)  # let the tiny limit below stand
    problem = generate(200, 8, 5, seed=3)
    result = solve(problem, SolverParameters(time_limit_s=0.001))
    assert result.status == "feasible" and result.parameters["source"] == "construction"
    assert result.items and violations(problem, placed_of(result), set(result.unscheduled)) == []
    assert all(i.why for i in result.items)
    # CP-SAT proved nothing; the gap is still measured against the empty-shop bound, not 0.
    kept = [t for t in problem.tasks if t.id not in result.unscheduled]
    assert result.best_bound == empty_shop.lower_bound(problem, kept) > 0 and result.gap < 1
