"""The working-period relaxation: which period each task is in, order inside periods dropped.

Technicians work in shifts, so every task lies inside one working period (a maximal
stretch of time in which some technician works: a day shift, between nights). The
relaxation keeps that and drops the order inside a period: each task picks a period; per
period, the minutes of tasks whose skill is in a set S fit in the working minutes of the
technicians having a skill of S (for every S: Hall's condition), and the minutes of each
bay type fit in its bays' open minutes. A task ends no earlier than its period's start,
its parts or its predecessor's end, plus its duration, and by its period's end. Work
orders cost as in the model; stability is left out.

Two uses:
- `lower_bound`: every schedule of these tasks is a solution of the relaxation that costs
  no more, so the bound CP-SAT proves for it holds for every schedule (it sees the nights,
  which the whole model's bound barely does). Too slow to compute inside a solve; in a
  shop that works around the clock it is one period and weak.
- `plan`: its solution says in which period each work order could finish. Neighbourhood
  search aims steps at work orders that finish later than that (`lns.py`).
"""
import bisect
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

from ortools.sat.python import cp_model

from scheduler.diagnose import candidate_techs, diagnose, release_time
from scheduler.model import start_windows, work_order_finish
from scheduler.problem import Problem, Task, Window, merge

MAX_SKILLS_FOR_EVERY_SET = 8  # beyond: single skills and all of them (still a valid relaxation)


def working_periods(problem: Problem) -> tuple[Window, ...]:
    """Maximal stretches in which at least one technician works."""
    return merge([w for tech in problem.technicians for w in problem.available(tech)])


@dataclass(frozen=True)
class Plan:
    """The relaxation's solution: the period (index into `periods`) of each task."""
    periods: tuple[Window, ...]
    period_of: dict[str, int]

    def period_at(self, minute: int) -> int:
        """The index of the period holding `minute` (or the next one, in a gap)."""
        return min(bisect.bisect_right(self._ends, minute), len(self.periods) - 1)

    @cached_property
    def _ends(self) -> list[int]:
        return [p.end for p in self.periods]


class _Relaxation:
    """The relaxation's CP-SAT model of `tasks`; not `feasible` when a task fits in no period."""

    def __init__(self, problem: Problem, tasks: list[Task]):
        self.problem, self.tasks = problem, tasks
        self.periods = working_periods(problem)
        self.model = model = cp_model.CpModel()
        self.in_period: dict[tuple[str, int], cp_model.IntVar] = {}
        self.feasible = True
        period_of: dict[str, cp_model.LinearExpr] = {}
        end: dict[str, cp_model.IntVar] = {}
        for task in tasks:
            options = self._periods_of(task)
            if not options:
                self.feasible = False
                return
            chosen = {i: model.new_bool_var(f"in[{task.id},{i}]") for i in options}
            model.add_exactly_one(chosen.values())
            self.in_period.update({(task.id, i): x for i, x in chosen.items()})
            period_of[task.id] = sum(i * x for i, x in chosen.items())
            end[task.id] = e = model.new_int_var(0, problem.horizon, f"end[{task.id}]")
            model.add(e >= sum((self.periods[i].start + task.duration) * x for i, x in chosen.items()))
            model.add(e <= sum(self.periods[i].end * x for i, x in chosen.items()))
            model.add(e >= release_time(task) + task.duration)
            if task.lock.start is not None:
                model.add(e >= task.lock.start + task.duration)
        for task in tasks:
            for pred in task.predecessors:
                if pred in end:
                    model.add(period_of[task.id] >= period_of[pred])
                    model.add(end[task.id] >= end[pred] + task.duration)
        for i, period in enumerate(self.periods):
            self._capacity(i, period)
        model.minimize(self._objective(end))

    def solve(self, time_limit_s: float, num_workers: int, random_seed: int) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds, p.num_workers, p.random_seed = time_limit_s, num_workers, random_seed
        code = solver.solve(self.model)
        if code == cp_model.MODEL_INVALID:
            raise RuntimeError(f"CP-SAT rejected the relaxation: {self.model.validate()}")
        return solver, code

    def _periods_of(self, task: Task) -> list[int]:
        """Indexes of the periods in which some eligible technician could do the task."""
        p = self.problem
        starts = [r for w in p.shift_patterns(candidate_techs(p, task))
                  for r in start_windows(w, release_time(task), task.duration, p.horizon)]
        return [i for i, w in enumerate(self.periods) if any(lo < w.end and hi >= w.start for lo, hi in starts)]

    def _capacity(self, i: int, period: Window) -> None:
        """Work of each skill set within its technicians' minutes, of each bay type within its bays'."""
        p, here = self.problem, [t for t in self.tasks if (t.id, i) in self.in_period]
        minutes = [(tech.skills, _overlap(p.available(tech), period)) for tech in p.technicians]
        for skills in _skill_sets(here):
            demand = [t.duration * self.in_period[t.id, i] for t in here if skills is None or t.skill in skills]
            self.model.add(sum(demand) <= sum(m for has, m in minutes if skills is None or has & skills))
        for bay_type in {t.bay_type for t in here if t.bay_type is not None}:
            demand = [t.duration * self.in_period[t.id, i] for t in here if t.bay_type == bay_type]
            supply = sum(_overlap(p.bay_open(b), period) for b in p.bays if b.type == bay_type)
            self.model.add(sum(demand) <= supply)

    def _objective(self, end: dict) -> cp_model.LinearExpr:
        """Weighted completion and tardiness of the work orders, as `model.Objective` has them."""
        p = self.problem
        done, late = work_order_finish(self.model, p, self.tasks, end)
        tardiness = sum(p.wo_by_id[wo].priority * x for wo, (x, _) in late.items())
        return p.weights.completion * sum(done.values()) + p.weights.tardiness * tardiness


def lower_bound(problem: Problem, time_limit_s: float = 2.0, num_workers: int = 2,
                random_seed: int = 0) -> float | None:
    """A proven lower bound on the objective of any schedule of the tasks the pre-solve
    diagnoses leave in; None if the relaxation finds no room for them."""
    excluded = {d.task for d in diagnose(problem)}
    tasks = [t for t in problem.tasks if t.id not in excluded]
    if not tasks:
        return 0.0
    relaxation = _Relaxation(problem, tasks)
    if not relaxation.feasible:
        return None
    solver, code = relaxation.solve(time_limit_s, num_workers, random_seed)
    return None if code == cp_model.INFEASIBLE else solver.best_objective_bound


def plan(problem: Problem, tasks: list[Task], time_limit_s: float, num_workers: int = 1,
         random_seed: int = 0) -> Plan | None:
    """The best solution of the relaxation of `tasks` found in the time limit, if any."""
    relaxation = _Relaxation(problem, tasks)
    if not relaxation.feasible:
        return None
    solver, code = relaxation.solve(time_limit_s, num_workers, random_seed)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return Plan(relaxation.periods, {task_id: i for (task_id, i), x in relaxation.in_period.items()
                                     if solver.boolean_value(x)})


def _skill_sets(tasks: list[Task]) -> list[frozenset[str] | None]:
    """The skill sets to check (None: every task, every technician)."""
    skills = sorted({t.skill for t in tasks if t.skill is not None})
    sizes = range(1, len(skills) + 1) if len(skills) <= MAX_SKILLS_FOR_EVERY_SET else (1,)
    return [frozenset(c) for r in sizes for c in combinations(skills, r)] + [None]


def _overlap(windows, period: Window) -> int:
    return sum(max(0, min(w.end, period.end) - max(w.start, period.start)) for w in windows)
