"""Re-optimization after a change: the previous schedule repaired, then improved around the change.

`reoptimize(problem, changes, params)`: `problem.previous` is the last published schedule,
`changes` what happened since (`Change`: a reason and the tasks, technicians, bays and work
orders it concerns). The result is a `Result` like `solve`'s, with `moves`: the diff against
the previous schedule, a reason per moved task.

1. Warm start (`repair`). Tasks with a locked start at that start, then every other task of
   the previous schedule that no change names at exactly its previous place, if that place
   still holds (technician and bay allowed, after its parts and its predecessors) and is free.
   The rest is displaced.
2. Partial (default). Only a neighbourhood is freed: the changed tasks, the tasks the repair
   moved, their work orders and the tasks depending on them, and the tasks on the same
   technicians' and bays' timelines within `window_minutes` of them. Displaced and new tasks
   are inserted where they cost least (near their earliest start and their previous one on
   each eligible technician, or at its first free slot), pushing right only freed tasks.
   Then local search (`local_search.improve` with `free`) and CP-SAT on the neighbourhood,
   everything else fixed, improve it; every other task keeps its start, technician and bay.
   The neighbourhood widens when it cannot absorb the change or a clear gain (`CLEAR_GAIN`
   of the objective, or more work placed) lies outside it, at most once per run:
   - when an inserted task lands more than a window from its previous start (a new one: from
     its parts) or nowhere, the insertion is redone allowed to push the tasks within
     `WIDEN_FACTOR` windows on the eligible technicians too; the tasks it pushed join the
     neighbourhood;
   - else when, after the search, a work order is later than before, the search runs again over
     `WIDEN_FACTOR` windows on the technicians that could do its tasks.
   `parameters["widened"]` says why, or is False.
3. Full (`params.full`, nightly): the partial re-optimization's schedule is the first one of
   `solve` over the whole shop.
In both, locks and in-progress tasks (full locks, see `pipelines.schedule_run`) never move,
and a task starting before `frozen_until` moves only if the repair had to move it.
With `explained` (the previous run's reasons per task), a partial run reuses them for the
tasks that keep their place outside the neighbourhood and explains only the others.
"""
import bisect
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from scheduler import objective
from scheduler.diagnose import diagnose, release_time
from scheduler.explain import explain_schedule
from scheduler.greedy import resource_timelines
from scheduler.local_search import improve
from scheduler.model import Constraints, Objective, Variables, add_hint, read_solution
from scheduler.pools import BayPools
from scheduler.problem import Assignment, Change, Lock, Problem, Task
from scheduler.result import Diagnosis, Moved, Result
from scheduler.sequence import SequenceSchedule, insert
from scheduler.solver import STATUS, SolverParameters, input_hash, solve

__all__ = ["Change", "Moved", "ReoptimizeParameters", "reoptimize", "repair", "insert_displaced", "diff",
           "changes_from_previous"]

CLEAR_GAIN = 0.002  # share of the objective a wider neighbourhood must gain to be kept
WIDEN_FACTOR = 3  # the widened neighbourhood's window, in windows
INSERT_SHARE = 0.25  # of the time limit, at most, for inserting with the pushes outside the neighbourhood
INSERT_BAYS = 3  # bays tried per position when inserting a displaced task: the ones free soonest
CP_SAT_MAX_TASKS = 60  # neighbourhoods up to this size get a CP-SAT pass after the local search
CP_SAT_MIN_S = 0.05  # ... when this much time is left
CP_SAT_S = 0.5  # at most
LS_S = 0.1  # the local search's share before CP-SAT
PARTIAL_S = 2.0  # at most, for the partial re-optimization that starts a full one


@dataclass(frozen=True)
class ReoptimizeParameters:
    frozen_until: int = 0  # minute before which a task's start moves only if it became infeasible
    window_minutes: int = 240  # neighbourhood window on the touched technicians' and bays' timelines
    time_limit_s: float = 2.0
    full: bool = False  # nightly: everything may move (frozen window, locks, in-progress still hold)
    num_workers: int = 2
    random_seed: int = 0

    def to_dict(self) -> dict:
        return {"time_limit_s": self.time_limit_s, "num_workers": self.num_workers, "random_seed": self.random_seed,
                "frozen_until": self.frozen_until, "window_minutes": self.window_minutes}


@dataclass
class Repaired:
    """The warm start: `placed` (feasible), the tasks displaced from their previous place (not in
    `placed` until inserted) and those the repair kept where they were."""
    placed: dict[str, Assignment]
    displaced: list[str]
    kept: set[str]


def reoptimize(problem: Problem, changes: list[Change], params: ReoptimizeParameters = ReoptimizeParameters(),
               explained: Mapping[str, list[str]] | None = None) -> Result:
    """`explained`: the previous schedule's reasons per task (its items' `why`); a partial run reuses
    them for the tasks outside its neighbourhood that keep their place, and explains the rest."""
    started = time.perf_counter()
    deadline = started + params.time_limit_s
    diagnoses = diagnose(problem)
    excluded = {d.task for d in diagnoses}
    tasks = [t for t in problem.tasks if t.id not in excluded]
    repaired = repair(problem, tasks, changed_tasks(problem, changes))
    frozen = {t for t in repaired.kept if problem.previous_by_task[t].start < params.frozen_until}
    if params.full:  # the partial re-optimization's schedule is the full search's first one
        partial = replace(params, full=False, time_limit_s=min(PARTIAL_S, params.time_limit_s / 4))
        first = reoptimize(problem, changes, partial)
        warm = {i.task: Assignment(i.task, i.technician, i.bay, i.start, i.end) for i in first.items}
        return _full(problem, changes, params, tasks, diagnoses, warm, frozen, started, first)

    hood = Neighbourhood(problem, tasks, changes, params, frozen)
    free = hood.around(repaired.placed, params.window_minutes)
    warm, lost = insert_displaced(problem, tasks, repaired, free)
    widened: str | bool = False
    if strayed := _strayed(problem, repaired, hood.changed, warm, params.window_minutes):  # may pushing more pay?
        todo = [t.id for t in tasks if t.id not in repaired.placed]
        wide = WIDEN_FACTOR * params.window_minutes
        pushable = free | hood.around(repaired.placed, wide, hood.eligible_techs(todo))
        wide_warm, wide_lost = insert_displaced(problem, tasks, repaired, pushable,
                                                started + INSERT_SHARE * params.time_limit_s)
        if wide_warm is not None and _gains(problem, warm, wide_warm):
            pushed = {t for t, a in wide_warm.items() if t not in free and _place(a) != _place(repaired.placed.get(t))}
            reason = (f"{len(lost)} task(s) found no place in the neighbourhood" if len(wide_lost) < len(lost)
                      else f"{len(strayed)} task(s) inserted far from where they were; pushing {len(pushed)} "
                           "outside the neighbourhood brought them closer")
            warm, free, widened = wide_warm, free | pushed, reason
    first = time.perf_counter() - started
    best, stats = _search(problem, tasks, warm, free, deadline, params)
    if not widened and (reason := hood.later_than_before(best)) and time.perf_counter() < deadline:
        wider = free | hood.around(best, WIDEN_FACTOR * params.window_minutes, hood.late_techs(best))
        if wider != free:
            candidate, more = _search(problem, tasks, best, wider, deadline, params)
            if _gains(problem, best, candidate):
                best, free, widened = candidate, wider, reason
                stats = _add(stats, more)
    parameters = {**params.to_dict(), "source": "reoptimize", "neighbourhood": len(free), "widened": widened,
                  "changes": [c.reason for c in changes], "search": stats}
    reuse = {t: why for t, why in (explained or {}).items()
             if t not in free and t in best and _place(best[t]) == _place(problem.previous_by_task.get(t))}
    return _result(problem, tasks, diagnoses, best, changes, parameters, started, first, reuse)


def repair(problem: Problem, tasks: list[Task], changed: set[str] = frozenset()) -> Repaired:
    """The previous schedule without what no longer holds (see the module docstring, step 1):
    tasks with a locked start at it, then every other task of the previous schedule that is not
    `changed` at exactly its previous place if that is still free and allowed; the rest is
    displaced, to be inserted (`insert_displaced`)."""
    techs, bays = resource_timelines(problem)
    placed: dict[str, Assignment] = {}
    displaced: list[str] = []

    def put(task: Task, tech: str, bay: str | None, at: int) -> None:
        placed[task.id] = Assignment(task.id, tech, bay, at, at + task.duration)
        techs[tech].reserve(at, at + task.duration, task.id)
        if bay is not None:
            bays[bay].reserve(at, at + task.duration, task.id)

    def free(tech: str, bay: str | None, at: int, duration: int) -> bool:
        return techs[tech].earliest_fit(at, duration) == at and (
            bay is None or bays[bay].earliest_fit(at, duration) == at)

    for task in sorted((t for t in tasks if t.lock.start is not None), key=lambda t: (t.lock.start, t.id)):
        place = next(((tech, bay) for tech, bay in _places(problem, task, problem.previous_by_task.get(task.id))
                      if free(tech, bay, task.lock.start, task.duration)), None)
        if place is None:
            displaced.append(task.id)
        else:
            put(task, *place, task.lock.start)
    by_id = {t.id: t for t in tasks}
    for a in sorted(problem.previous, key=lambda a: (a.start, a.task)):
        task = by_id.get(a.task)
        if task is None or task.id in placed or task.lock.start is not None:
            continue
        if (task.id not in changed and _allowed(problem, task, a.technician, a.bay)
                and a.start >= release_time(task) and all(p in placed and placed[p].end <= a.start
                                                          for p in task.predecessors)
                and free(a.technician, a.bay, a.start, task.duration)):
            put(task, a.technician, a.bay, a.start)
        else:
            displaced.append(task.id)
    kept = {t for t, a in placed.items()
            if (b := problem.previous_by_task.get(t)) is not None and _place(a) == _place(b)}
    return Repaired(placed, displaced, kept)


def _allowed(problem: Problem, task: Task, tech: str, bay: str | None) -> bool:
    """Whether `task` may be on `tech` and `bay` (skill, bay type, locks)."""
    technician = problem.tech_by_id.get(tech)
    if technician is None or (task.skill is not None and task.skill not in technician.skills):
        return False
    if task.lock.technician not in (None, tech) or task.lock.bay not in (None, bay):
        return False
    if task.bay_type is None:
        return bay is None
    return bay in problem.bay_by_id and problem.bay_by_id[bay].type == task.bay_type


def _places(problem: Problem, task: Task, before: Assignment | None) -> list[tuple[str, str | None]]:
    """(technician, bay) pairs allowed for `task`, its previous place first."""
    techs = [t.id for t in problem.eligible_techs(task) if task.lock.technician in (None, t.id)]
    bays = [b.id for b in problem.eligible_bays(task) if task.lock.bay in (None, b.id)] if task.bay_type else [None]
    pairs = [(t, b) for t in techs for b in bays]
    if before is not None:
        pairs.sort(key=lambda p: (p[0] != before.technician, p[1] != before.bay))
    return pairs


def insert_displaced(problem: Problem, tasks: list[Task], repaired: Repaired, free: set[str],
                     deadline: float = float("inf")) -> tuple[dict[str, Assignment] | None, list[str]]:
    """The repaired schedule with each displaced or new task inserted where it costs least,
    predecessors first, pushing what follows it among the `free` tasks (the others stay where
    they are); and the tasks that found no place. (None, []) if `time.perf_counter()` passes
    `deadline` first."""
    todo = [t for t in tasks if t.id not in repaired.placed]
    if not todo:
        return dict(repaired.placed), []
    s = SequenceSchedule(problem, tasks, {t: a for t, a in repaired.placed.items() if t not in free})
    if not s.load(repaired.placed):
        raise RuntimeError("the repaired schedule breaks a hard constraint")
    order = {t.id: i for i, t in enumerate(problem.tasks)}
    waiting = sorted(todo, key=lambda t: (-problem.wo_by_id[t.work_order].priority, order[t.id]))
    progress = True
    while progress:
        progress = False
        for task in list(waiting):
            if time.perf_counter() > deadline:
                return None, []
            if any(p not in s.start for p in s.preds[task.id]):
                continue
            if _insert_best(s, task):
                waiting.remove(task)
                progress = True
    return s.placed(), [t.id for t in waiting]


def _strayed(problem: Problem, repaired: Repaired, changed: set[str], placed: dict[str, Assignment], window: int
             ) -> list[str]:
    """The displaced tasks that found no place or one more than `window` after their previous
    start, and the changed tasks new to the schedule placed more than `window` after their parts."""
    out = []
    for t in repaired.displaced + sorted(t for t in changed if t not in problem.previous_by_task):
        before = problem.previous_by_task.get(t)
        was = before.start if before is not None else release_time(problem.task_by_id[t])
        if (t not in placed and before is not None) or (t in placed and placed[t].start > was + window):
            out.append(t)
    return out


def _insert_best(s: SequenceSchedule, task: Task) -> bool:
    """`task` at the cheapest of a few positions on each eligible technician: where its
    earliest start and its previous start fall in their sequence, either side of those, and at
    the technician's first free slot; on the bays free soonest. False if it fits nowhere."""
    t = task.id
    earliest = max([s.release[t]] + [s.start[p] + s.duration[p] for p in s.preds[t]])
    before = s.problem.previous_by_task.get(t)
    techs, bays = resource_timelines(s.problem)
    for a in s.placed().values():
        techs[a.technician].reserve(a.start, a.end, a.task)
        if a.bay is not None:
            bays[a.bay].reserve(a.start, a.end, a.task)
    fit = {b: bays[b].earliest_fit(earliest, task.duration) for b in s.bays_for[t]}
    bay_choice = sorted((b for b in fit if fit[b] is not None), key=lambda b: (fit[b], b))[:INSERT_BAYS]
    if s.bays_for[t] and not bay_choice:
        bay_choice = s.bays_for[t][:INSERT_BAYS]
    best = None
    for tech in s.techs_for[t]:
        seq = s.tech_seq[tech]
        starts = [s.start[x] for x in seq]
        p = bisect.bisect_left(starts, earliest)
        free_at = techs[tech].earliest_fit(earliest, task.duration)
        positions = {p - 1, p, p + 1, len(seq)}
        if before is not None and before.start > earliest:  # around where it was: what a dispatcher expects
            q = bisect.bisect_left(starts, before.start)
            positions |= {q - 1, q, q + 1}
        if free_at is not None:
            positions.add(bisect.bisect_left(starts, free_at))
        for j in sorted(i for i in positions if 0 <= i <= len(seq)):
            for bay in bay_choice or [None]:
                change = insert(s, t, tech, j, bay=bay)
                if change is None:
                    continue
                verdict = s.evaluate(change)
                if verdict.feasible and (best is None or (verdict.delta_unplaced, verdict.delta_cost) < best[0]):
                    best = ((verdict.delta_unplaced, verdict.delta_cost), change, verdict)
    if best is None:
        return False
    s.commit(best[1], best[2])
    return True


def changed_tasks(problem: Problem, changes: list[Change]) -> set[str]:
    """The tasks `changes` name, those of the work orders they name, and the tasks whose duration
    differs from their previous slot's."""
    out = {t for c in changes for t in c.tasks}
    wos = {wo for c in changes for wo in c.work_orders}
    out |= {t.id for t in problem.tasks if t.work_order in wos}
    out |= {t.id for t in problem.tasks if (a := problem.previous_by_task.get(t.id)) is not None
            and a.end - a.start != t.duration}
    return out


class Neighbourhood:
    """Which tasks a partial re-optimization frees (see the module docstring, step 2)."""

    def __init__(self, problem: Problem, tasks: list[Task], changes: list[Change], params: ReoptimizeParameters,
                 frozen: set[str]):
        self.problem, self.params, self.frozen = problem, params, frozen
        self.tasks = {t.id: t for t in tasks}
        self.by_wo: dict[str, list[str]] = {}
        self.succs: dict[str, list[str]] = {}
        for t in tasks:
            self.by_wo.setdefault(t.work_order, []).append(t.id)
            for p in t.predecessors:
                self.succs.setdefault(p, []).append(t.id)
        self.changed = {t for t in changed_tasks(problem, changes) if t in self.tasks}
        self.changed |= {t for t in self.tasks if t not in problem.previous_by_task}
        self.resources = {("tech", x) for c in changes for x in c.technicians}
        self.resources |= {("bay", x) for c in changes for x in c.bays}

    def core(self, placed: dict[str, Assignment]) -> set[str]:
        """The changed tasks, those whose place differs from the previous schedule, their work
        orders, and everything depending on them."""
        moved = {t for t in self.tasks if _place(placed.get(t)) != _place(self.problem.previous_by_task.get(t))}
        core = self.changed | moved
        core |= {t for x in list(core) for t in self.by_wo[self.tasks[x].work_order]}
        stack = list(core)
        while stack:
            for s in self.succs.get(stack.pop(), ()):
                if s not in core:
                    core.add(s)
                    stack.append(s)
        return core

    def around(self, placed: dict[str, Assignment], window: int, extra_techs: set[str] = frozenset()) -> set[str]:
        """The core and the tasks within `window` of it on its technicians and bays (before and
        after the change), on the changed resources, and on `extra_techs`."""
        core = self.core(placed)
        spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for t in core:
            for a in (placed.get(t), self.problem.previous_by_task.get(t)):
                if a is not None:
                    spans.setdefault(("tech", a.technician), []).append((a.start, a.end))
                    if a.bay is not None:
                        spans.setdefault(("bay", a.bay), []).append((a.start, a.end))
        for r in self.resources:  # a changed resource none of the core is on: from the frozen window on
            spans.setdefault(r, [(self.params.frozen_until, self.params.frozen_until)])
        for x in extra_techs:
            spans.setdefault(("tech", x), []).extend((a.start, a.end) for t in core for a in (
                placed.get(t), self.problem.previous_by_task.get(t)) if a is not None)
        free = set(core)
        for a in placed.values():
            for r in (("tech", a.technician), ("bay", a.bay)):
                if any(s - window < a.end and a.start < e + window for s, e in spans.get(r, ())):
                    free.add(a.task)
        free |= {t for t in self.tasks if t not in placed}
        return {t for t in free if t not in self.frozen and self._movable(t)}

    def movable(self) -> set[str]:
        """Every task a partial re-optimization may move: neither frozen nor locked in place."""
        return {t for t in self.tasks if t not in self.frozen and self._movable(t)}

    def _movable(self, t: str) -> bool:
        lock = self.tasks[t].lock
        return lock.start is None or lock.technician is None or (self.tasks[t].bay_type is not None
                                                                and lock.bay is None)

    def eligible_techs(self, ids: list[str]) -> set[str]:
        return {x.id for t in ids for x in self.problem.eligible_techs(self.tasks[t])}

    def later_than_before(self, placed: dict[str, Assignment]) -> str | None:
        later = self._later(placed)
        return f"{len(later)} work order(s) later than before" if later else None

    def _later(self, placed: dict[str, Assignment]) -> list[str]:
        before = objective.lateness(self.problem, {a.task: a for a in self.problem.previous if a.task in self.tasks})
        now = objective.lateness(self.problem, placed)
        return [wo for wo, late in now.items() if late > before.get(wo, 0)]

    def late_techs(self, placed: dict[str, Assignment]) -> set[str]:
        """The technicians who could do the tasks of the work orders later than before."""
        return self.eligible_techs([t for wo in self._later(placed) for t in self.by_wo[wo]])


def _place(a: Assignment | None) -> tuple | None:
    return None if a is None else (a.start, a.technician, a.bay)


def _search(problem: Problem, tasks: list[Task], start: dict[str, Assignment], free: set[str], deadline: float,
            params: ReoptimizeParameters) -> tuple[dict[str, Assignment], dict]:
    """A local search descent on `free` (at most `LS_S`), then CP-SAT on it if small enough,
    everything else fixed."""
    began = time.perf_counter()
    placed, stats = improve(problem, tasks, start, min(deadline, began + LS_S), seed=params.random_seed, free=free,
                            perturb=False)
    out = {"evaluated": stats.evaluated, "kept": stats.kept, "local_search_s": round(time.perf_counter() - began, 3)}
    left = deadline - time.perf_counter()
    ids = sorted(t for t in free if t in placed)  # sorted: the hash seed must not pick among equal optima
    if 2 <= len(ids) <= CP_SAT_MAX_TASKS and left >= CP_SAT_MIN_S:
        solved, code, wall = _cp_sat(problem, [problem.task_by_id[t] for t in ids], placed, min(left, CP_SAT_S),
                                     params)
        out.update(cp_sat=STATUS[code], cp_sat_s=round(wall, 3))
        if solved is not None and _key(problem, solved) < _key(problem, placed):
            placed = solved
    return placed, out


def _cp_sat(problem: Problem, freed: list[Task], placed: dict[str, Assignment], seconds: float,
            params: ReoptimizeParameters) -> tuple[dict[str, Assignment] | None, int, float]:
    """`freed` re-solved by CP-SAT, every other placed task fixed, hinted with `placed`."""
    ids = {t.id for t in freed}
    model = cp_model.CpModel()
    v = Variables(model, problem, freed, fixed={t: a for t, a in placed.items() if t not in ids},
                  pools=BayPools(problem, pooled=False))
    Constraints(v).add_all()
    goal = Objective(v)
    goal.add()
    add_hint(v, goal, placed)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds, p.num_workers, p.random_seed = seconds, params.num_workers, params.random_seed
    code = solver.solve(model)
    found = {**placed, **read_solution(solver, v)} if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    return found, code, solver.wall_time


def _key(problem: Problem, placed: dict[str, Assignment]) -> tuple[int, int]:
    unplaced = sum(problem.wo_by_id[t.work_order].priority * t.duration for t in problem.tasks if t.id not in placed)
    return unplaced, objective.total(objective.evaluate(problem, placed))


def _gains(problem: Problem, narrow: dict[str, Assignment], wide: dict[str, Assignment]) -> bool:
    (lost_narrow, cost_narrow), (lost_wide, cost_wide) = _key(problem, narrow), _key(problem, wide)
    return lost_wide < lost_narrow or (lost_wide == lost_narrow and cost_wide <= cost_narrow * (1 - CLEAR_GAIN))


def _add(a: dict, b: dict) -> dict:
    return {"first": a, "widened": b}


def _full(problem: Problem, changes: list[Change], params: ReoptimizeParameters, tasks: list[Task],
          diagnoses: list[Diagnosis], warm: dict[str, Assignment], frozen: set[str], started: float,
          partial: Result) -> Result:
    """`solve` on the whole shop from `warm`, the frozen tasks locked where they are."""
    pinned = [replace(t, lock=Lock(warm[t.id].start, warm[t.id].technician, warm[t.id].bay)) if t.id in frozen else t
              for t in problem.tasks]
    held = Problem(problem.horizon_start, problem.horizon, problem.technicians, problem.bays, problem.work_orders,
                   pinned, problem.previous, problem.weights)
    left = max(0.1, params.time_limit_s - (time.perf_counter() - started))
    solved = solve(held, SolverParameters(left, params.num_workers, params.random_seed), warm_start=warm)
    placed = {i.task: Assignment(i.task, i.technician, i.bay, i.start, i.end) for i in solved.items}
    if _key(problem, warm) < _key(problem, placed):
        placed = warm
    parameters = {**params.to_dict(), "source": "reoptimize-full", "neighbourhood": len(tasks) - len(frozen),
                  "widened": False, "changes": [c.reason for c in changes], "found_by": solved.parameters["source"],
                  "partial_objective": partial.objective}
    return _result(problem, tasks, diagnoses, placed, changes, parameters, started, partial.solve_seconds)


def _result(problem: Problem, tasks: list[Task], diagnoses: list[Diagnosis], placed: dict[str, Assignment],
            changes: list[Change], parameters: dict, started: float, first: float,
            explained: Mapping[str, list[str]] | None = None) -> Result:
    schedule = explain_schedule(problem, tasks, placed, diagnoses, explained)
    why_not: dict[str, list[str]] = {}
    for d in schedule.diagnoses:
        if d.task is not None:
            why_not.setdefault(d.task, []).append(d.message)
    return Result(
        status="feasible",
        objective=objective.total(schedule.terms),
        best_bound=None,  # a neighbourhood's search proves nothing about the whole shop
        terms=schedule.terms,
        solve_seconds=time.perf_counter() - started,
        first_solution_seconds=round(first, 3),
        parameters=parameters,
        input_hash=input_hash(problem),
        items=schedule.items,
        diagnoses=schedule.diagnoses,
        lateness=schedule.lateness,
        moves=diff(problem.previous, placed, changes, problem, why_not),
    )


def diff(previous: list[Assignment], placed: dict[str, Assignment], changes: list[Change],
         problem: Problem | None = None, why_not: dict[str, list[str]] | None = None) -> list[Moved]:
    """Every task whose start, technician or bay differs between `previous` and `placed`, or that
    is in only one of them, with why. The reason names the change connected to the task (its own,
    its work order's, one on its technician or bay, or on a task it depends on or that depends on
    it), else the first change. With `problem`, work orders and dependencies count as connections."""
    before = {a.task: a for a in previous}
    why_not = why_not or {}
    link = _Links(previous, placed, changes, problem)
    out = []
    for t in sorted(set(before) | set(placed), key=lambda t: (min(a.start for a in (before.get(t), placed.get(t))
                                                                  if a is not None), t)):
        b, a = before.get(t), placed.get(t)
        if _place(a) == _place(b):
            continue
        if b is None:
            reason = "placed"
        elif a is None:
            reason = "unplaced: " + ("; ".join(why_not.get(t, [])) or "no room")
        else:
            change = link.change_of(t)
            if change is None:
                reason = "moved"
            elif a.start > b.start or (a.start == b.start and link.pushed_off(change, b)):
                reason = f"pushed by {change.reason}"
            else:
                reason = f"freed by {change.reason}"
        out.append(Moved(t, b, a, reason))
    return out


class _Links:
    """Which change a moved task is connected to (see `diff`)."""

    def __init__(self, previous, placed, changes, problem):
        self.changes, self.problem = changes, problem
        self.before = {a.task: a for a in previous}
        self.placed = placed
        self.resources = []  # per change: the (kind, id) of the resources it touches
        self.chains = []  # per change: its tasks, their work orders' tasks and dependency chains
        for c in changes:
            resources = {("tech", x) for x in c.technicians} | {("bay", x) for x in c.bays}
            for t in c.tasks:
                for a in (self.before.get(t), placed.get(t)):
                    if a is not None:
                        resources |= {("tech", a.technician), ("bay", a.bay)}
            self.resources.append(resources)
            self.chains.append(self._chain(c))

    def _chain(self, c: Change) -> set[str]:
        chain = set(c.tasks)
        if self.problem is None:
            return chain
        chain |= {t.id for t in self.problem.tasks if t.work_order in c.work_orders}
        chain |= {t.id for x in list(chain) if x in self.problem.task_by_id
                  for t in self.problem.tasks if t.work_order == self.problem.task_by_id[x].work_order}
        preds = {t.id: t.predecessors for t in self.problem.tasks}
        succs: dict[str, list[str]] = {}
        for t, ps in preds.items():
            for p in ps:
                succs.setdefault(p, []).append(t)
        for step in (preds, succs):
            stack = list(chain)
            while stack:
                for n in step.get(stack.pop(), ()):
                    if n not in chain:
                        chain.add(n)
                        stack.append(n)
        return chain

    def change_of(self, t: str) -> Change | None:
        if not self.changes:
            return None
        own = {("tech", a.technician) for a in (self.before.get(t), self.placed.get(t)) if a is not None}
        own |= {("bay", a.bay) for a in (self.before.get(t), self.placed.get(t)) if a is not None and a.bay}
        scored = [(3 if t in c.tasks else 2 if t in self.chains[i] else 1 if own & self.resources[i] else 0, -i)
                  for i, c in enumerate(self.changes)]
        return self.changes[-max(scored)[1]]

    def pushed_off(self, change: Change, before: Assignment) -> bool:
        """Whether the change concerns the resources the task was on."""
        i = self.changes.index(change)
        return bool({("tech", before.technician), ("bay", before.bay)} & self.resources[i])


def changes_from_previous(problem: Problem) -> list[Change]:
    """What differs between the problem and its previous schedule, as changes, for callers that do
    not know what changed: new tasks, tasks whose duration differs from their previous slot's, and
    tasks whose previous place no longer holds (technician, bay, shift, time off, downtime, parts,
    a lock elsewhere)."""
    out = []
    tasks = {t.id: t for t in problem.tasks}
    for t in problem.tasks:
        a = problem.previous_by_task.get(t.id)
        if a is None:
            out.append(Change(f"new task '{t.name}'", tasks=frozenset([t.id])))
        elif a.end - a.start != t.duration:
            out.append(Change(f"'{t.name}' now {t.duration} min (was {a.end - a.start})", tasks=frozenset([t.id])))
        elif not _still_holds(problem, t, a):
            out.append(Change(f"'{t.name}' no longer fits its previous place", tasks=frozenset([t.id]),
                              technicians=frozenset([a.technician]),
                              bays=frozenset([a.bay]) if a.bay else frozenset()))
    gone = [a.task for a in problem.previous if a.task not in tasks]
    if gone:
        out.append(Change(f"{len(gone)} task(s) no longer open", tasks=frozenset(gone)))
    return out


def _still_holds(problem: Problem, task: Task, a: Assignment) -> bool:
    """Whether `a` is still allowed for `task` on its own (others' places aside)."""
    if not _allowed(problem, task, a.technician, a.bay):
        return False
    if task.lock.start not in (None, a.start) or a.start < release_time(task):
        return False
    bay = problem.bay_by_id.get(a.bay)
    return any(w.contains(a.start, a.end) for w in problem.available(problem.tech_by_id[a.technician])) and (
        bay is None or any(w.contains(a.start, a.end) for w in problem.bay_open(bay)))
