"""A lower bound on the objective of any schedule: the working-period relaxation.

Technicians work in shifts, so every task lies inside one working period (a maximal
stretch of time in which some technician works: a day shift, between nights). The
relaxation keeps that and drops the order inside a period: each task picks a period; per
period, the minutes of tasks whose skill is in a set S fit in the working minutes of the
technicians having a skill of S (for every S: Hall's condition), and the minutes of each
bay type fit in its bays' open minutes. A task ends no earlier than its period's start,
its parts or its predecessor's end, plus its duration, and by its period's end. Work
orders cost as in the model; stability is left out. Every schedule of these tasks is a
solution of this model that costs no more, so the bound CP-SAT proves for it holds for
every schedule.

The whole model's bound barely sees the nights: on the 200-task benchmark shop it stays
near 167k, while this relaxation is solved to 186,508 in about 2 s (2 workers) against a
best schedule of 189,436 (`bench/scheduler_bench.py` prints it). Benchmarks use it to say
how far a schedule can be from the optimum. It takes too long to pay for itself inside a
solve (1 s on one worker for 184k at 200 tasks; 0.6 s just to build at 1,000), and in a
shop that works around the clock it is one period and weak.
"""
from itertools import combinations

from ortools.sat.python import cp_model

from scheduler.diagnose import candidate_techs, diagnose, release_time
from scheduler.model import start_windows
from scheduler.problem import Problem, Task, Window, merge

MAX_SKILLS_FOR_EVERY_SET = 8  # beyond: single skills and all of them (still a valid bound)


def working_periods(problem: Problem) -> tuple[Window, ...]:
    """Maximal stretches in which at least one technician works."""
    return merge([w for tech in problem.technicians for w in problem.available(tech)])


def lower_bound(problem: Problem, time_limit_s: float = 2.0, num_workers: int = 2,
                random_seed: int = 0) -> float | None:
    """A proven lower bound on the objective of any schedule of the tasks the pre-solve
    diagnoses leave in; None if the relaxation finds no room for them."""
    excluded = {d.task for d in diagnose(problem)}
    tasks = [t for t in problem.tasks if t.id not in excluded]
    if not tasks:
        return 0.0
    periods = working_periods(problem)
    model = cp_model.CpModel()
    in_period: dict[tuple[str, int], cp_model.IntVar] = {}
    period_of: dict[str, cp_model.LinearExpr] = {}
    end: dict[str, cp_model.IntVar] = {}
    for task in tasks:
        options = _periods_of(problem, task, periods)
        if not options:
            return None
        chosen = {i: model.new_bool_var(f"in[{task.id},{i}]") for i in options}
        model.add_exactly_one(chosen.values())
        in_period.update({(task.id, i): x for i, x in chosen.items()})
        period_of[task.id] = sum(i * x for i, x in chosen.items())
        end[task.id] = e = model.new_int_var(0, problem.horizon, f"end[{task.id}]")
        model.add(e >= sum((periods[i].start + task.duration) * x for i, x in chosen.items()))
        model.add(e <= sum(periods[i].end * x for i, x in chosen.items()))
        model.add(e >= release_time(task) + task.duration)
        if task.lock.start is not None:
            model.add(e >= task.lock.start + task.duration)
    for task in tasks:
        for pred in task.predecessors:
            if pred in end:
                model.add(period_of[task.id] >= period_of[pred])
                model.add(end[task.id] >= end[pred] + task.duration)
    for i, period in enumerate(periods):
        here = [t for t in tasks if (t.id, i) in in_period]
        minutes = [(tech.skills, _overlap(problem.available(tech), period)) for tech in problem.technicians]
        for skills in _skill_sets(here):
            demand = [t.duration * in_period[t.id, i] for t in here if skills is None or t.skill in skills]
            supply = sum(m for has, m in minutes if skills is None or has & skills)
            model.add(sum(demand) <= supply)
        for bay_type in {t.bay_type for t in here if t.bay_type is not None}:
            demand = [t.duration * in_period[t.id, i] for t in here if t.bay_type == bay_type]
            supply = sum(_overlap(problem.bay_open(b), period) for b in problem.bays if b.type == bay_type)
            model.add(sum(demand) <= supply)
    model.minimize(_objective(model, problem, tasks, end))
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds, p.num_workers, p.random_seed = time_limit_s, num_workers, random_seed
    code = solver.solve(model)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the relaxation: {model.validate()}")
    if code == cp_model.INFEASIBLE:
        return None
    return solver.best_objective_bound


def _periods_of(problem: Problem, task: Task, periods: tuple[Window, ...]) -> list[int]:
    """Indexes of the periods in which some eligible technician could do the task."""
    starts = [r for tech in candidate_techs(problem, task)
              for r in start_windows(problem.available(tech), release_time(task), task.duration, problem.horizon)]
    return [i for i, w in enumerate(periods) if any(lo < w.end and hi >= w.start for lo, hi in starts)]


def _skill_sets(tasks: list[Task]) -> list[frozenset[str] | None]:
    """The skill sets to check (None: every task, every technician)."""
    skills = sorted({t.skill for t in tasks if t.skill is not None})
    sizes = range(1, len(skills) + 1) if len(skills) <= MAX_SKILLS_FOR_EVERY_SET else (1,)
    return [frozenset(c) for r in sizes for c in combinations(skills, r)] + [None]


def _overlap(windows, period: Window) -> int:
    return sum(max(0, min(w.end, period.end) - max(w.start, period.start)) for w in windows)


def _objective(model: cp_model.CpModel, problem: Problem, tasks: list[Task], end: dict) -> cp_model.LinearExpr:
    """Weighted completion and tardiness of the work orders, as `model.Objective` has them."""
    w, terms, ends_of = problem.weights, [], {}
    for task in tasks:
        ends_of.setdefault(task.work_order, []).append(end[task.id])
    for wo_id, ends in ends_of.items():
        done = model.new_int_var(0, problem.horizon, f"done[{wo_id}]")
        for e in ends:
            model.add(done >= e)
        terms.append(w.completion * done)
        wo = problem.wo_by_id[wo_id]
        if wo.due is not None and wo.priority:
            late = model.new_int_var(0, problem.horizon, f"late[{wo_id}]")
            model.add(late >= done - wo.due)
            terms.append(w.tardiness * wo.priority * late)
    return sum(terms)
