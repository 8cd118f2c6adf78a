"""The working-period relaxation: its bound is never above a schedule's cost and counts the
nights; its plan puts each task in a period where the shop has room for it."""
import pytest

from scheduler import SolverParameters, solve
from scheduler.generate import generate
from scheduler.periods import lower_bound, plan, working_periods
from scheduler.scenario import from_dict


@pytest.mark.parametrize("tasks,techs,bays,seed", [(12, 2, 2, 1), (20, 3, 2, 2), (25, 4, 3, 3), (30, 4, 2, 4),
                                                   (30, 5, 4, 5)])
def test_the_bound_is_below_the_optimum_and_close_to_it(tasks, techs, bays, seed):
    problem = generate(tasks, techs, bays, seed)
    # CP-SAT stops once it proves the optimum (about a second here): the limit only allows for a loaded machine
    result = solve(problem, SolverParameters(time_limit_s=30.0))
    assert result.status == "optimal"
    bound = lower_bound(problem, time_limit_s=1.0)
    assert 0.8 * result.objective <= bound <= result.objective


def two_days(tasks: list[dict]) -> dict:
    """Ana (engine) and Ben work 08:00-16:00 on two days; one work order per task."""
    shift = [{"start": 0, "end": 480}, {"start": 1440, "end": 1920}]
    return {
        "horizon": {"start": "2026-11-30T08:00:00Z", "length_minutes": 2880},
        "technicians": [{"id": "ana", "name": "Ana", "skills": ["engine"], "availability": shift},
                        {"id": "ben", "name": "Ben", "skills": ["brakes"], "availability": shift}],
        "bays": [],
        "work_orders": [{"id": f"wo{i}", "due_at": 2880, "priority": 1} for i in range(len(tasks))],
        "tasks": [{"id": f"t{i}", "name": f"Job {i}", "work_order": f"wo{i}", "bay_type": None, **t}
                  for i, t in enumerate(tasks)],
    }


def test_work_that_only_one_technician_can_do_waits_for_the_next_day():
    # Three 4-hour engine jobs: only Ana can do them, two a day, so one ends at 12:00 on day two
    # (minute 1680). Counting Ben's free hours, as a bound that ignores skills would, gives 720.
    problem = from_dict(two_days([{"duration_minutes": 240, "skill": "engine"}] * 3))
    assert working_periods(problem) == problem.tech_by_id["ana"].availability
    optimum = solve(problem, SolverParameters(time_limit_s=2.0))
    assert optimum.status == "optimal" and optimum.objective == 240 + 480 + 1680
    # The relaxation drops the order inside a day (both day-one jobs may end at 240).
    assert lower_bound(problem) == 240 + 240 + 1680
    planned = plan(problem, problem.tasks, time_limit_s=1.0)
    assert sorted(planned.period_of.values()) == [0, 0, 1]
    assert [planned.period_at(m) for m in (0, 479, 480, 1000, 1440, 1919)] == [0, 0, 1, 1, 1, 1]


def test_a_dependency_chain_longer_than_a_day_is_bounded_past_the_night():
    chain = [{"duration_minutes": 300, "skill": "brakes"},
             {"duration_minutes": 300, "skill": "brakes", "depends_on": ["t0"]}]
    scenario = two_days(chain)
    scenario["work_orders"] = [{"id": "wo0", "due_at": 2880, "priority": 1}]
    scenario["tasks"][1]["work_order"] = "wo0"
    problem = from_dict(scenario)
    assert lower_bound(problem) == 1440 + 300
    assert solve(problem, SolverParameters(time_limit_s=2.0)).objective == 1440 + 300
