"""The empty-shop bound: each task at its earliest with the shop to itself, and no schedule
costs less (that a run reports it when CP-SAT has proven nothing is asserted in
`test_scheduler_core.py`)."""
import pytest

from scheduler import SolverParameters, empty_shop, solve
from scheduler.diagnose import diagnose
from scheduler.generate import generate
from scheduler.scenario import from_dict


def test_a_task_waits_for_its_parts_and_a_shift_it_fits_in_and_its_successor_for_it():
    # Ana works 08:00-16:00 on two days. The engine job's parts arrive at 13:00, too late for
    # its 4 hours that day, so it runs 08:00-12:00 on day two and the test after it until 13:00
    # (minute 1740): 240 min past the due date at priority 2.
    shift = [{"start": 0, "end": 480}, {"start": 1440, "end": 1920}]
    problem = from_dict({
        "horizon": {"start": "2026-11-30T08:00:00Z", "length_minutes": 2880},
        "technicians": [{"id": "ana", "name": "Ana", "skills": ["engine"], "availability": shift}],
        "bays": [],
        "work_orders": [{"id": "wo", "due_at": 1500, "priority": 2}],
        "tasks": [
            {"id": "job", "name": "Replace belt", "work_order": "wo", "duration_minutes": 240, "skill": "engine",
             "bay_type": None, "parts_ready": 300},
            {"id": "test", "name": "Test drive", "work_order": "wo", "duration_minutes": 60, "skill": "engine",
             "bay_type": None, "depends_on": ["job"]},
        ],
    })
    placed = empty_shop.earliest_placements(problem, problem.tasks)
    assert [(placed[t].start, placed[t].end) for t in ("job", "test")] == [(1440, 1680), (1680, 1740)]
    assert empty_shop.lower_bound(problem, problem.tasks) == 1740 + 10 * 2 * 240
    result = solve(problem, SolverParameters(time_limit_s=2.0))
    assert result.status == "optimal" and result.objective == result.best_bound == 1740 + 10 * 2 * 240


@pytest.mark.parametrize("tasks,techs,bays,seed", [(12, 2, 2, 1), (20, 3, 2, 2), (25, 4, 3, 3), (30, 5, 4, 5)])
def test_no_schedule_costs_less_than_the_bound(tasks, techs, bays, seed):
    problem = generate(tasks, techs, bays, seed)
    # CP-SAT stops once it proves the optimum (about a second here): the limit only allows for a loaded machine
    result = solve(problem, SolverParameters(time_limit_s=30.0))
    assert result.status == "optimal"
    excluded = {d.task for d in diagnose(problem)}
    assert 0 < empty_shop.lower_bound(problem, [t for t in problem.tasks if t.id not in excluded]) <= result.objective
