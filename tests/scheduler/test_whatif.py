"""The what-if of a move agrees with the independent hard-constraint checker, names what breaks,
and says what a forced move pushes."""
import random
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from scheduler import SolverParameters, solve
from scheduler.generate import generate
from scheduler.problem import NO_ETA, Assignment, Bay, Lock, Problem, Task, Technician, Window, WorkOrder
from scheduler.whatif import BadProposal, Proposal, what_if
from tests.scheduler.schedule_checker import violations


def applied(problem: Problem, base: dict, proposal: Proposal, placement: Assignment) -> tuple[Problem, dict]:
    """The shop after the move as the API writes it: the task placed, locked on the fields given."""
    task = problem.task_by_id[proposal.task]
    lock = Lock(placement.start if proposal.start is not None else task.lock.start,
                placement.technician if proposal.technician is not None else task.lock.technician,
                placement.bay if proposal.bay is not None else task.lock.bay)
    tasks = [replace(t, lock=lock) if t.id == task.id else t for t in problem.tasks]
    moved = Problem(problem.horizon_start, problem.horizon, problem.technicians, problem.bays,
                    problem.work_orders, tasks)
    return moved, {**base, task.id: placement}


def solved(tasks: int, techs: int, bays: int, seed: int) -> tuple[Problem, dict]:
    problem = generate(tasks, techs, bays, seed)
    result = solve(problem, SolverParameters(time_limit_s=1.0, num_workers=1))
    base = {i.task: Assignment(i.task, i.technician, i.bay, i.start, i.end) for i in result.items}
    assert violations(problem, base, set(result.unscheduled)) == []
    return problem, base


@pytest.fixture(scope="module", params=[(30, 4, 3, 1), (60, 6, 4, 2), (80, 5, 3, 3)])
def shop(request):
    return solved(*request.param)


def test_feasible_exactly_when_the_checker_finds_nothing_once_applied(shop):
    problem, base = shop
    rng = random.Random(7)
    verdicts = {True: 0, False: 0}
    for _ in range(300):
        task = rng.choice(problem.tasks)
        proposal = Proposal(
            task.id,
            technician=rng.choice([None, *(t.id for t in problem.technicians)]),
            bay=rng.choice([None, None, *(b.id for b in problem.bays)]),
            start=rng.choice([None, rng.randrange(-60, problem.horizon, 15)]) if task.id in base
            else rng.randrange(-60, problem.horizon, 15))
        answer = what_if(problem, base, proposal)
        moved, placed = applied(problem, base, proposal, answer.placement)
        broken = violations(moved, placed, set(t.id for t in problem.tasks) - set(placed))
        assert answer.feasible == (broken == []), (proposal, answer.violations, broken)
        assert (answer.pushed == []) or not answer.feasible
        verdicts[answer.feasible] += 1
    assert verdicts[False] > 0


def test_every_nearest_slot_is_feasible_and_passes_the_checker(shop):
    problem, base = shop
    rng = random.Random(11)
    slots_seen = 0
    for task in rng.sample(problem.tasks, 25):
        tech = rng.choice(problem.technicians)  # with or without the skill
        proposal = Proposal(task.id, technician=tech.id, start=rng.randrange(0, problem.horizon // 2, 15))
        answer = what_if(problem, base, proposal)
        assert len([s for s in answer.nearest if s.technician == tech.id]) <= 3
        assert len([s for s in answer.nearest if s.technician != tech.id]) <= 3
        for slot in answer.nearest:
            at = Proposal(task.id, technician=slot.technician, bay=slot.bay, start=slot.start)
            again = what_if(problem, base, at)
            assert again.feasible, (at, again.violations)
            moved, placed = applied(problem, base, at, again.placement)
            assert violations(moved, placed, set(t.id for t in problem.tasks) - set(placed)) == []
            slots_seen += 1
    assert slots_seen > 25


# -- a hand-built shop: Monday 08:00 is minute 0 ---------------------------------------------------
START = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def small_shop(due: int = 240, **task_changes) -> tuple[Problem, dict]:
    """Ana (brakes) works Mon 08:00-16:00 and Tue 10:00-16:00 (off 08:00-10:00), Ben Mon 08:00-16:00."""
    ana = Technician("ana", "Ana", frozenset({"brakes", "general"}), (Window(0, 480), Window(1560, 1920)),
                     (Window(1440, 1560),))
    ben = Technician("ben", "Ben", frozenset({"general"}), (Window(0, 480),))
    lift = Bay("lift1", "Lift 1", "lift", (Window(300, 360),))
    wash = Bay("wash1", "Wash 1", "wash")
    tasks = [
        Task("a", "Inspect", "wo1", 60, "general", "lift"),
        Task("b", "Replace pads", "wo1", 60, "brakes", "lift", predecessors=("a",)),
        Task("c", "Oil change", "wo2", 60, "general", None),
        Task("d", "Wash", "wo2", 30, None, "wash"),
    ]
    tasks = [replace(t, **task_changes.get(t.id, {})) for t in tasks]
    problem = Problem(START, 3 * 1440, [ana, ben], [lift, wash], [WorkOrder("wo1", due, 3), WorkOrder("wo2", None)],
                      tasks)
    base = {"a": Assignment("a", "ana", "lift1", 0, 60), "b": Assignment("b", "ana", "lift1", 60, 120),
            "c": Assignment("c", "ben", None, 0, 60)}
    return problem, base


def kinds(answer) -> list[str]:
    return [v.kind for v in answer.violations]


def test_a_technician_without_the_skill_is_named_with_the_skill():
    problem, base = small_shop()
    answer = what_if(problem, base, Proposal("b", technician="ben"))
    assert not answer.feasible
    skill = [v for v in answer.violations if v.kind == "skill"]
    assert skill and skill[0].field == "technician_id" and "Ben lacks skill 'brakes'" in skill[0].message


def test_outside_shifts_during_time_off_and_bay_downtime():
    problem, base = small_shop()
    assert kinds(what_if(problem, base, Proposal("c", start=500))) == ["shift"]      # Ben works 08:00-16:00
    off = what_if(problem, base, Proposal("c", technician="ana", start=1440 + 60))  # Tuesday 09:00, Ana off 08-10
    assert kinds(off) == ["time_off"] and "Ana is off Tue 08:00-Tue 10:00" in off.violations[0].message
    down = what_if(problem, base, Proposal("a", start=300))                         # the lift is down 13:00-14:00
    assert "bay_downtime" in kinds(down)


def test_parts_dependencies_and_the_horizon():
    problem, base = small_shop(d={"parts_ready": 200})
    assert kinds(what_if(problem, base, Proposal("d", technician="ben", start=120))) == ["parts"]
    assert what_if(problem, base, Proposal("d", technician="ben", start=210)).feasible
    problem, base = small_shop(d={"parts_ready": NO_ETA})
    assert kinds(what_if(problem, base, Proposal("d", technician="ben", start=120))) == ["parts"]

    problem, base = small_shop()
    later = what_if(problem, base, Proposal("a", start=90))  # after its successor started
    assert "dependency" in kinds(later)
    assert any("'Replace pads' depends on it" in v.message for v in later.violations)
    past = what_if(problem, base, Proposal("c", start=-30))
    assert kinds(past)[0] == "horizon"


def test_a_forced_overlap_pushes_what_follows_and_counts_the_lateness():
    problem, base = small_shop()
    answer = what_if(problem, base, Proposal("c", technician="ana", start=30))
    assert kinds(answer) == ["overlap", "overlap"]  # 'Inspect' and 'Replace pads' on Ana
    assert answer.violations[0].field == "technician_id"
    assert "'Inspect' on Ana 08:00-09:00" in answer.violations[0].message
    # Inspect goes after the oil change (09:30), Replace pads after it (10:30, also after Inspect).
    assert [(p.task, p.from_start, p.to_start, p.minutes) for p in answer.pushed] == [
        ("a", 0, 90, 90), ("b", 60, 150, 90)]
    wo1 = next(x for x in answer.lateness if x.work_order == "wo1")
    assert (wo1.before, wo1.after) == (0, 0)  # due 12:00, ends 11:30

    problem, base = small_shop(due=180)  # due 11:00: the push makes it 30 minutes late
    late = what_if(problem, base, Proposal("c", technician="ana", start=30))
    assert [(x.work_order, x.before, x.after) for x in late.lateness] == [("wo1", 0, 30), ("wo2", 0, 0)]


def test_a_conflict_the_plan_already_has_is_not_pushed_by_an_unrelated_move():
    problem, base = small_shop()
    base["b"] = Assignment("b", "ana", "lift1", 30, 90)  # forced in before 'Inspect' ends
    answer = what_if(problem, base, Proposal("c", start=240))
    assert answer.feasible and answer.pushed == []


def test_a_pushed_task_with_a_locked_start_is_a_lock_violation():
    problem, base = small_shop(b={"lock": Lock(60, "ana", "lift1")})
    answer = what_if(problem, base, Proposal("c", technician="ana", start=30))
    assert "lock" in kinds(answer)
    assert any("'Replace pads', locked to start 09:00" in v.message for v in answer.violations)


def test_an_unspecified_bay_is_chosen_among_the_free_ones():
    problem, base = small_shop()
    problem.bays.append(Bay("lift2", "Lift 2", "lift"))
    problem.__post_init__()
    answer = what_if(problem, base, Proposal("a", technician="ben", start=60))  # 09:00: Lift 1 has 'Replace pads'
    assert answer.placement.bay == "lift2"
    assert "dependency" in kinds(answer)  # still after 'Replace pads' started


def test_nearest_slots_on_the_proposed_technician_and_others():
    problem, base = small_shop()
    answer = what_if(problem, base, Proposal("c", technician="ana", start=30))
    own = [s for s in answer.nearest if s.technician == "ana"]
    assert own[0].start == 120  # after 'Replace pads', the first gap long enough
    others = [s for s in answer.nearest if s.technician != "ana"]
    assert [(s.technician, s.start) for s in others] == [("ben", 30)]  # the oil change leaves Ben free


def test_bad_proposals_name_the_field():
    problem, base = small_shop()
    with pytest.raises(BadProposal) as unknown:
        what_if(problem, base, Proposal("c", technician="zed"))
    assert unknown.value.field == "technician_id"
    with pytest.raises(BadProposal) as unplaced:
        what_if(problem, base, Proposal("d", technician="ben"))
    assert unplaced.value.field == "start"
    # a task the last run could not place keeps its locked start: that is where it is proposed
    problem, base = small_shop(d={"lock": Lock(start=600)})
    assert what_if(problem, base, Proposal("d", technician="ben")).placement.start == 600
