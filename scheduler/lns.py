"""Large neighbourhood search: improve a schedule by re-solving a few tasks at a time with CP-SAT.

Each step frees a neighbourhood of tasks, keeps every other task where the schedule has
it, and solves that small model (`model.py` with the rest `fixed`) from the current
placement as hint, so a step never makes its neighbourhood worse.

Neighbourhoods, taken in turn:
- a stretch of time: the tasks that start next to a random one, on every resource;
- a late work order, picked with odds by priority x minutes late: its tasks and the tasks
  starting nearest to a random moment before it would have to start to be on time, on the
  technicians who could do them and in its bays (with none late: any work order, with
  odds by what it costs, around a moment between its release and its current start);
- a work order with time to spare, picked with odds by its work x slack, with the work
  orders that finish after it on its technicians (their tasks from its first start on):
  it can finish later, before its due date, and they take its place;
- once the working-period relaxation has a plan (`periods.py`, computed on one core while
  the first searcher runs): every other step, a work order that finishes in a later period
  than the plan has it, with the tasks in its planned period on its technicians and bays,
  first those of work orders the plan has finishing later than they do now.
A neighbourhood grows while its steps are solved to optimality well inside `STEP_S`, and
shrinks when they are not. (Measurements: docs/scheduler-notes.md.)

One searcher runs per worker, each on its own neighbourhoods of the one shared schedule.
A searcher's result was found against a snapshot, so it is kept only if it still fits
what the other searchers changed meanwhile, and only if the objective does not get worse.
"""
import random
import threading
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler import objective
from scheduler.diagnose import release_time
from scheduler.model import Constraints, Objective, Variables, add_hint, read_solution
from scheduler.periods import Plan
from scheduler.pools import BayPools
from scheduler.problem import Assignment, Problem, Task

STEP_S = 0.1  # time limit of one step
FIRST_SIZE, MIN_SIZE, MAX_SIZE = 25, 8, 80  # tasks freed per step
MIN_SLACK, MAX_SLACK = 240, 3 * 1440  # slack (minutes to due) to be deferred; the most that counts in its odds


class Neighbourhoods:
    def __init__(self, problem: Problem, tasks: list[Task], rng: random.Random):
        self.problem, self.rng = problem, rng
        self.by_wo: dict[str, list[Task]] = {}
        for task in tasks:
            self.by_wo.setdefault(task.work_order, []).append(task)
        self.techs_of = {t.id: {tech.id for tech in problem.eligible_techs(t)} for t in tasks}
        self.release = {t.id: release_time(t) for t in tasks}
        self.work = {wo: sum(t.duration for t in own) for wo, own in self.by_wo.items()}
        self._planned_finish: dict[str, int] = {}  # work order -> the plan's period of its last task

    def time_stretch(self, placed: dict[str, Assignment], size: int) -> set[str]:
        order = sorted(placed.values(), key=lambda a: a.start)
        first = max(0, min(self.rng.randrange(len(order)) - size // 2, len(order) - size))
        return {a.task for a in order[first:first + size]}

    def late_work_order(self, placed: dict[str, Assignment], size: int) -> set[str]:
        """A late work order (odds by priority x minutes late), to move before its due date."""
        late = {wo: minutes * self.problem.wo_by_id[wo].priority
                for wo, minutes in objective.lateness(self.problem, placed).items()}
        late = {wo: weight for wo, weight in late.items() if weight > 0}
        if not late:
            return self.costly_work_order(placed, size)
        wo = self.rng.choices(list(late), weights=list(late.values()))[0]
        own = [t.id for t in self.by_wo[wo]]
        soonest = min(self.release[t] for t in own)
        on_time = self.problem.wo_by_id[wo].due - self.work[wo]
        return self._around(placed, own, self.rng.randint(soonest, max(soonest, on_time)), size)

    def deferred_work_order(self, placed: dict[str, Assignment], size: int) -> set[str]:
        """A work order with time to spare (odds by its minutes of work x its slack, up to
        three days), to finish later, and the work orders that finish after it on its
        technicians, from its first start on, to take its place: long work done last lets
        more work orders finish early."""
        finish = objective.finish(self.problem, placed)
        slack = {wo: self.problem.wo_by_id[wo].due - end for wo, end in finish.items()
                 if self.problem.wo_by_id[wo].due is not None}
        spare = {wo: self.work[wo] * min(s, MAX_SLACK) for wo, s in slack.items() if s > MIN_SLACK}
        if not spare:
            return self.time_stretch(placed, size)
        wo = self.rng.choices(list(spare), weights=list(spare.values()))[0]
        own = [t.id for t in self.by_wo[wo]]
        first = min(placed[t].start for t in own)
        techs = set().union(*(self.techs_of[t] for t in own))
        after = [other for other, end in finish.items() if end > finish[wo] and any(
            placed[t.id].technician in techs for t in self.by_wo[other])]
        after.sort(key=lambda other: (finish[other] - finish[wo]) * self.rng.uniform(0.5, 1.5))
        chosen = set(own)
        for other in after:
            if len(chosen) >= size:
                break
            chosen.update(t.id for t in self.by_wo[other] if placed[t.id].start >= first)
        return chosen

    def behind_plan(self, placed: dict[str, Assignment], size: int, plan: Plan) -> set[str]:
        """A work order finishing in a later period than `plan` has it (odds by periods behind x
        (1 + priority)), with the tasks starting in its planned period on the technicians who
        could do it and in its bays: first those of work orders `plan` has finishing later
        than they do now, which can make room by moving on."""
        if not self._planned_finish:
            for task_id, period in plan.period_of.items():
                wo = self.problem.task_by_id[task_id].work_order
                self._planned_finish[wo] = max(self._planned_finish.get(wo, 0), period)
        now = {wo: plan.period_at(end - 1) for wo, end in objective.finish(self.problem, placed).items()}
        behind = {wo: (now[wo] - self._planned_finish[wo]) * (1 + self.problem.wo_by_id[wo].priority)
                  for wo in now if now[wo] > self._planned_finish.get(wo, now[wo])}
        if not behind:
            return self.late_work_order(placed, size)
        wo = self.rng.choices(list(behind), weights=list(behind.values()))[0]
        own = [t.id for t in self.by_wo[wo]]
        target = plan.periods[self._planned_finish[wo]]
        techs = set().union(*(self.techs_of[t] for t in own))
        bays = {placed[t].bay for t in own} - {None}
        there = [a for a in placed.values() if (a.technician in techs or a.bay in bays) and a.task not in own
                 and target.start <= a.start < target.end]
        ahead = {other for other, period in now.items() if self._planned_finish.get(other, period) > period}
        there.sort(key=lambda a: (self.problem.task_by_id[a.task].work_order not in ahead, self.rng.random()))
        return set(own) | {a.task for a in there[:max(0, size - len(own))]}

    def costly_work_order(self, placed: dict[str, Assignment], size: int) -> set[str]:
        """A work order (odds by what it costs), to move earlier."""
        costs = objective.work_order_costs(self.problem, placed)
        wo = self.rng.choices(list(costs), weights=[1 + c for c in costs.values()])[0]  # weights may be 0
        own = [t.id for t in self.by_wo[wo]]
        moment = self.rng.randint(min(self.release[t] for t in own), min(placed[t].start for t in own))
        return self._around(placed, own, moment, size)

    def _around(self, placed: dict[str, Assignment], own: list[str], moment: int, size: int) -> set[str]:
        """`own` and the tasks starting nearest to `moment` on the technicians who could do
        them and in their bays, so that they can move there."""
        techs = set().union(*(self.techs_of[t] for t in own))
        bays = {placed[t].bay for t in own} - {None}
        others = sorted((a for a in placed.values() if (a.technician in techs or a.bay in bays) and a.task not in own),
                        key=lambda a: abs(a.start - moment))
        return set(own) | {a.task for a in others[:max(0, size - len(own))]}


class _Schedule:
    """The schedule the searchers share: changed only through `offer`."""

    def __init__(self, problem: Problem, pools: BayPools, placed: dict[str, Assignment]):
        self.problem, self.pools = problem, pools
        self.lock = threading.Lock()
        self.placed, self.version = placed, 0
        self.plan: Plan | None = None  # set once, when the relaxation's plan is known
        self.cost = objective.total(objective.evaluate(problem, placed))
        self.successors: dict[str, list[str]] = {}
        for task in problem.tasks:
            for pred in task.predecessors:
                self.successors.setdefault(pred, []).append(task.id)

    def snapshot(self) -> tuple[dict[str, Assignment], int]:
        with self.lock:
            return self.placed, self.version

    def offer(self, changes: dict[str, Assignment], version: int) -> None:
        """Keep `changes` (found against `version`) if they fit and cost no more."""
        with self.lock:
            merged = {**self.placed, **changes}
            if version != self.version and not self._fits(merged, changes):
                return
            cost = objective.total(objective.evaluate(self.problem, merged))
            if cost <= self.cost:
                self.placed, self.cost, self.version = merged, cost, self.version + 1

    def _fits(self, placed: dict[str, Assignment], changes: dict[str, Assignment]) -> bool:
        """Whether the changed tasks keep their dependencies and overlap no task on their
        technician and no more tasks than a bay pool has bays (availability and the parts
        gate do not depend on other tasks: the step's model kept them)."""
        for a in changes.values():
            task = self.problem.task_by_id[a.task]
            if any(p in placed and placed[p].end > a.start for p in task.predecessors):
                return False
            if any(s in placed and placed[s].start < a.end for s in self.successors.get(a.task, ())):
                return False
        techs = {a.technician for a in changes.values()}
        pools = {a.bay for a in changes.values() if a.bay is not None}
        on_tech: dict[str, list[tuple[int, int]]] = {}
        on_pool: dict[str, list[tuple[int, int]]] = {}
        for a in placed.values():
            if a.technician in techs:
                on_tech.setdefault(a.technician, []).append((a.start, a.end))
            if a.bay in pools:
                on_pool.setdefault(a.bay, []).append((a.start, a.end))
        return (all(_most_at_once(spans) <= 1 for spans in on_tech.values())
                and all(_most_at_once(spans) <= self.pools.size(key) for key, spans in on_pool.items()))


def _most_at_once(spans: list[tuple[int, int]]) -> int:
    """The most half-open spans that share a minute."""
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])  # an end sorts before a start
    most = now = 0
    for _, change in events:
        now += change
        most = max(most, now)
    return most


def _search(schedule: _Schedule, tasks: list[Task], deadline: float, seed: int) -> None:
    """One searcher: steps until `deadline`."""
    problem, by_id = schedule.problem, {t.id: t for t in tasks}
    hood = Neighbourhoods(problem, tasks, random.Random(seed))
    kinds = (hood.time_stretch, hood.late_work_order, hood.deferred_work_order)
    size, step, turn = min(FIRST_SIZE, len(tasks)), 0, 0
    while (left := deadline - time.perf_counter()) > 0.01:
        placed, version = schedule.snapshot()
        if schedule.plan is not None and step % 2:
            freed = hood.behind_plan(placed, size, schedule.plan)
        else:
            freed = kinds[turn % len(kinds)](placed, size)
            turn += 1
        step += 1
        model = cp_model.CpModel()
        v = Variables(model, problem, [by_id[t] for t in freed], pools=schedule.pools,
                      fixed={k: a for k, a in placed.items() if k not in freed})
        Constraints(v).add_all()
        goal = Objective(v)
        goal.add()
        add_hint(v, goal, placed)
        solver = _step_solver(min(STEP_S, left), seed + step)
        code = solver.solve(model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            schedule.offer(read_solution(solver, v), version)
        quick = code == cp_model.OPTIMAL and solver.wall_time < STEP_S / 2
        size = min(MAX_SIZE, len(tasks), size + max(1, size // 10)) if quick else max(MIN_SIZE, size - size // 10)


def _step_solver(time_limit_s: float, seed: int) -> cp_model.CpSolver:
    """One worker per step (the searchers use the cores); presolve, probing, symmetry detection
    and the LP relaxation measured no better here (docs/scheduler-notes.md)."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds, p.num_workers, p.random_seed = time_limit_s, 1, seed
    p.cp_model_presolve, p.cp_model_probing_level, p.symmetry_level, p.linearization_level = False, 0, 0, 0
    return solver


def improve(problem: Problem, tasks: list[Task], placed: dict[str, Assignment], pools: BayPools,
            deadline: float, workers: int = 2, seed: int = 0,
            plan: Callable[[], Plan | None] | None = None) -> dict[str, Assignment]:
    """`placed` (every one of `tasks`, bays by pool key) improved by `workers` searchers until
    `time.perf_counter()` reaches `deadline`; never worse than `placed`. With two or more
    workers, `plan` (e.g. `periods.plan` on one worker) runs in the caller's thread beside
    the first searcher, and the others start once it returns."""
    schedule = _Schedule(problem, pools, dict(placed))
    if len(tasks) < 2:
        return schedule.placed
    errors: list[BaseException] = []

    def run(seed: int) -> None:
        try:
            _search(schedule, tasks, deadline, seed)
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    searchers = [threading.Thread(target=run, args=(seed + 1000 * i,), daemon=True) for i in range(max(1, workers))]
    searchers[0].start()
    try:
        schedule.plan = plan() if plan is not None and len(searchers) > 1 else None
    finally:
        for searcher in searchers[1:]:
            searcher.start()
        for searcher in searchers:
            searcher.join()
    if errors:
        raise errors[0]
    return schedule.placed
