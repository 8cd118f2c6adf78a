"""The sequence schedule's incremental move evaluator against a full re-evaluation, and the local
search's schedules against the independent hard-constraint checker."""
import copy
import random
import time
from dataclasses import replace

import pytest

from scheduler import SolverParameters, objective, solve
from scheduler.diagnose import diagnose
from scheduler.generate import generate, overloaded
from scheduler.greedy import greedy_schedule
from scheduler.local_search import improve
from scheduler.problem import Assignment, Lock, Problem
from scheduler.sequence import SequenceSchedule, insert, shift, swap, unplace
from tests.scheduler.schedule_checker import violations


def locked_shop(tasks: int, techs: int, bays: int, seed: int) -> tuple[Problem, list, dict]:
    """A generated shop (shifts, time off, downtime, parts, dependencies) with some tasks locked
    where a greedy schedule put them (start, technician, bay, or all three) and a previous
    schedule for others; returns it, the schedulable tasks and that greedy schedule."""
    rng = random.Random(seed)
    problem = generate(tasks, techs, bays, seed)
    first = greedy_schedule(problem, [t for t in problem.tasks if t.id not in {d.task for d in diagnose(problem)}])
    locked, previous = [], []
    for t in problem.tasks:
        a = first.get(t.id)
        roll = rng.random()
        if a is not None and roll < 0.06:
            t = replace(t, lock=Lock(a.start, a.technician, a.bay))
        elif a is not None and roll < 0.1:
            t = replace(t, lock=Lock(technician=a.technician))
        elif a is not None and roll < 0.14 and a.bay is not None:
            t = replace(t, lock=Lock(bay=a.bay))
        elif a is not None and roll < 0.3:
            previous.append(Assignment(t.id, a.technician, a.bay, a.start + 30, a.end + 30))
        locked.append(t)
    problem = Problem(problem.horizon_start, problem.horizon, problem.technicians, problem.bays,
                      problem.work_orders, locked, previous, problem.weights)
    todo = [t for t in problem.tasks if t.id not in {d.task for d in diagnose(problem)}]
    return problem, todo, first


def full_reevaluation(s: SequenceSchedule, change):
    """The change applied to a copy and the copy decoded from scratch: (feasible, key, placement)."""
    c = copy.deepcopy(s)
    for t in change.unplace:
        del c.tech_of[t], c.bay_of[t]
        c.floor.pop(t, None)
    for t, (tech, bay) in change.assign.items():
        c.tech_of[t], c.bay_of[t] = tech, bay
    c.tech_seq.update(change.tech_seqs)
    c.bay_seq.update(change.bay_seqs)
    c.floor.update(change.floors)
    if any(p not in c.tech_of for t in c.tech_of for p in c.preds[t]):
        return False, None, None
    starts = c.decode()
    if starts is None:
        return False, None, None
    c.start = starts
    placed = c.placed()
    unplaced = sum(c.weight[t] for t in c.tasks if t not in placed)
    return True, (unplaced, objective.total(objective.evaluate(s.problem, placed))), placed


def random_change(s: SequenceSchedule, rng: random.Random):
    kind = rng.random()
    task = rng.choice(list(s.tasks))
    if kind < 0.45:
        tech = rng.choice(s.techs_for[task])
        bay = rng.choice(s.bays_for[task]) if s.bays_for[task] else None
        return insert(s, task, tech, rng.randint(0, len([x for x in s.tech_seq[tech] if x != task])), bay=bay)
    placed = list(s.start)
    if kind < 0.75 and len(placed) > 1:
        return swap(s, *rng.sample(placed, 2))
    if kind < 0.9 and task in s.start:
        return shift(s, task, max(0, s.start[task] + rng.randint(-120, 240)))
    if task in s.start:
        return unplace(s, task)
    return None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_incremental_evaluator_agrees_with_a_full_reevaluation(seed):
    problem, todo, first = locked_shop(40, 5, 3, seed)
    s = SequenceSchedule(problem, todo)
    assert s.load({t: a for t, a in first.items() if t in s.tasks})
    rng = random.Random(seed)
    checked = feasible = 0
    while checked < 1500:
        change = random_change(s, rng)
        if change is None:
            continue
        checked += 1
        verdict = s.evaluate(change)
        ok, key, placed = full_reevaluation(s, change)
        assert verdict.feasible == ok, change
        if not ok:
            continue
        feasible += 1
        before = s.key()
        assert (before[0] + verdict.delta_unplaced, before[1] + verdict.delta_cost) == key, change
        assert violations(problem, placed, {t.id for t in problem.tasks} - set(placed)) == []
        if rng.random() < 0.5:
            s.commit(change, verdict)
            assert s.placed() == placed and s.key() == key
    assert feasible > 300  # the walk kept moving through feasible schedules


@pytest.mark.parametrize("tasks,techs,bays,seed", [(40, 5, 3, 4), (80, 6, 4, 5), (150, 10, 6, 6)])
def test_every_local_search_schedule_keeps_every_hard_constraint(tasks, techs, bays, seed):
    problem, todo, first = locked_shop(tasks, techs, bays, seed)
    start = {t: a for t, a in first.items() if t in {x.id for x in todo}}
    best, stats = improve(problem, todo, start, time.perf_counter() + 1.0, seed=seed)
    assert stats.evaluated > 0
    assert violations(problem, best, {t.id for t in problem.tasks} - set(best)) == []
    assert len(best) >= len(start)
    assert objective.total(objective.evaluate(problem, best)) <= objective.total(objective.evaluate(problem, start)) \
        or len(best) > len(start)
    result = solve(problem, SolverParameters(time_limit_s=1.0))
    assert violations(problem, {i.task: i for i in result.items}, set(result.unscheduled)) == []


def test_only_the_free_tasks_move():
    problem, todo, first = locked_shop(60, 6, 4, 7)
    start = {t: a for t, a in first.items() if t in {x.id for x in todo}}
    free = set(list(start)[::3])
    best, _ = improve(problem, todo, start, time.perf_counter() + 0.5, free=free)
    assert all(best[t] == a for t, a in start.items() if t not in free)
    assert violations(problem, best, {t.id for t in problem.tasks} - set(best)) == []


@pytest.mark.parametrize("load", [1.2, 1.5, 2.0])
def test_an_overloaded_shop_gets_a_schedule_with_at_least_the_greedy_work(load):
    """A run that places nothing (or less than the greedy schedule) while tasks could be placed fails."""
    problem = overloaded(150, 8, 5, load, seed=9)
    todo = [t for t in problem.tasks if t.id not in {d.task for d in diagnose(problem)}]
    greedy = greedy_schedule(problem, todo)
    assert greedy, "the shop has placeable work"
    result = solve(problem, SolverParameters(time_limit_s=1.0))
    placed = {i.task: i for i in result.items}
    assert result.unscheduled and placed
    assert sum(problem.task_by_id[t].duration for t in placed) >= sum(problem.task_by_id[t].duration for t in greedy)
    assert violations(problem, placed, set(result.unscheduled)) == []
    assert all(reasons and reasons[0].startswith("not scheduled") or d.kind != "no_room"
               for d in result.diagnoses for reasons in [result.unscheduled[d.task]] if d.task)
