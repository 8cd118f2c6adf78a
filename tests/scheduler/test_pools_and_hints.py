"""Bay pools (interchangeable bays as one cumulative) and the constructive schedules."""
import time
from collections import Counter

import pytest

from scheduler import SolverParameters, solve
from scheduler.diagnose import diagnose
from scheduler.generate import generate
from scheduler.greedy import atc_schedule, earliest_slot, greedy_schedule, resource_timelines
from scheduler.objective import evaluate, total
from scheduler.pools import BayPools
from scheduler.scenario import from_dict
from scheduler.solver import construct
from scheduler.timeline import Timeline
from tests.scheduler.schedule_checker import violations


def lifts_shop(tasks, bays, technicians, **extra) -> dict:
    return {
        "horizon": {"start": "2026-11-30T08:00:00Z", "length_minutes": 120},
        "technicians": technicians,
        "bays": bays,
        "work_orders": [{"id": "wo1", "due_at": 120, "priority": 1}],
        "tasks": tasks,
        **extra,
    }


def lift(i, **fields):
    return {"id": f"l{i}", "name": f"Lift {i}", "type": "lift", **fields}


def test_only_unnamed_bays_with_the_same_type_and_downtime_share_a_pool():
    down = [{"start": 30, "end": 60}]
    scenario = lifts_shop(
        tasks=[{"id": "a", "name": "A", "work_order": "wo1", "duration_minutes": 30, "bay_type": "lift",
                "lock": {"bay": "l2"}},
               {"id": "b", "name": "B", "work_order": "wo1", "duration_minutes": 30, "bay_type": "lift"}],
        bays=[lift(1), lift(2), lift(3), lift(4), lift(5, downtime=down), lift(6, downtime=down),
              {"id": "w1", "name": "Wash 1", "type": "wash"}],
        technicians=[{"id": "ana", "name": "Ana", "skills": []}],
        previous_schedule=[{"task": "b", "technician": "ana", "bay": "l3", "start": 0}])
    pools = BayPools(from_dict(scenario))
    groups = sorted(tuple(b.id for b in bays) for bays in pools.members.values())
    # l2 is locked and l3 was in the previous schedule: choosing them is not interchangeable.
    assert groups == [("l1", "l4"), ("l2",), ("l3",), ("l5", "l6"), ("w1",)]
    assert pools.key_of["l4"] == "l1" and pools.key_of["l3"] == "l3"


def test_a_full_pool_spreads_its_tasks_over_every_bay_without_overlap():
    """Six one-hour lift jobs, three identical lifts, three technicians, two hours: the pool is full all day."""
    scenario = lifts_shop(
        tasks=[{"id": f"t{i}", "name": f"Job {i}", "work_order": "wo1", "duration_minutes": 60, "bay_type": "lift"}
               for i in range(6)],
        bays=[lift(1), lift(2), lift(3)],
        technicians=[{"id": t, "name": t.title(), "skills": []} for t in ("ana", "ben", "cy")])
    problem = from_dict(scenario)
    result = solve(problem, SolverParameters(time_limit_s=2.0))
    placed = {i.task: i for i in result.items}
    assert result.status == "optimal" and len(placed) == 6
    assert violations(problem, placed, set(result.unscheduled)) == []
    assert Counter(i.bay for i in placed.values()) == {"l1": 2, "l2": 2, "l3": 2}


@pytest.mark.parametrize("tasks,techs,bays,seed", [(40, 5, 4, 1), (120, 10, 7, 2), (200, 12, 8, 2)])
def test_the_construction_keeps_every_hard_constraint_and_never_loses_to_edd(tasks, techs, bays, seed):
    problem = generate(tasks, techs, bays, seed)
    left_out = {d.task for d in diagnose(problem)}
    todo = [t for t in problem.tasks if t.id not in left_out]
    edd, atc = greedy_schedule(problem, todo), atc_schedule(problem, todo)
    assert set(atc) == set(edd)
    assert violations(problem, atc, left_out) == []
    built, baseline, _ = construct(problem, todo, deadline=time.perf_counter() + 60)
    assert baseline == edd
    assert total(evaluate(problem, built)) == min(total(evaluate(problem, s)) for s in (edd, atc, built))
    assert total(evaluate(problem, built)) <= total(evaluate(problem, atc))
    if tasks == 200:  # the benchmark shop, where EDD starves the work orders due late
        assert total(evaluate(problem, atc)) < 0.6 * total(evaluate(problem, edd))


def test_the_atc_construction_gives_up_at_its_deadline():
    problem = generate(40, 5, 4, 1)
    assert atc_schedule(problem, problem.tasks, deadline=time.perf_counter() - 1) is None


def test_a_greedy_slot_is_the_first_moment_a_technician_and_a_bay_are_both_free():
    technicians = [{"id": i, "name": i, "skills": ["general"]} for i in ("ana", "ben", "dan")]
    problem = from_dict(lifts_shop(
        tasks=[{"id": "a", "name": "A", "work_order": "wo1", "duration_minutes": 30, "bay_type": "lift"}],
        bays=[lift(1), lift(2)], technicians=technicians, horizon={"start": "2026-11-30T08:00:00Z",
                                                                   "length_minutes": 600}))
    techs, bays = resource_timelines(problem)
    for timeline, busy in ((techs["ana"], [(0, 100)]), (techs["ben"], [(0, 50), (80, 200)]), (techs["dan"], [(0, 110)]),
                           (bays["l1"], [(0, 120)]), (bays["l2"], [(60, 300)])):
        for start, end in busy:
            timeline.reserve(start, end, "other")
    # Ben fits at 50 but no lift is free then; Lift 2 fits at 0 but no technician is. Ana and Dan
    # are both free at 120, when Lift 1 is: Ana, whose own first fit (100) is sooner than Dan's.
    assert earliest_slot(problem, problem.tasks[0], 0, techs, bays) == (120, "ana", "l1")


def test_a_timeline_answers_anew_after_a_reservation():
    timeline = Timeline(600)
    assert timeline.earliest_fit(0, 30) == 0
    timeline.reserve(0, 100, "a")
    assert timeline.earliest_fit(0, 30) == 100
