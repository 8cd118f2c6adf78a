"""`solve(problem)`: diagnose, construct, improve by local search, then CP-SAT, explain.

1. Pre-solve diagnoses leave out the tasks that cannot be scheduled (`diagnose.py`).
2. Construction: the better of apparent-tardiness-cost dispatch and earliest due date
   (`greedy.py`). Every task is optional: what fits nowhere in the horizon stays out.
3. Local search (`local_search.py`) places more work if it can, then lowers the objective.
4. CP-SAT on the placed tasks, hinted with that schedule: on small shops a proof attempt,
   on larger ones neighbourhood re-solves (`lns.py`) when the whole model's gap stays wide.
The best schedule found is published, partial if need be (`parameters["source"]` names the
part that found it); each task left out gets the reason, naming the resource that ran out.
Locks that clash in a way the pre-solve checks cannot see (two tasks locked at one time on
the only bay of a type) are found by a CP-SAT model that keeps as many locked fields as
possible; the tasks whose locks it must drop are reported as lock conflicts.
"""
import hashlib
import json
import threading
import time
from dataclasses import dataclass, replace
from functools import partial

from ortools.sat.python import cp_model

from scheduler import empty_shop, lns, objective, periods
from scheduler.diagnose import blocked_by, diagnose, topological
from scheduler.explain import explain_schedule
from scheduler.greedy import atc_schedule, greedy_schedule
from scheduler.local_search import fill_gaps, improve
from scheduler.leftshift import left_shift
from scheduler.model import Constraints, Objective, Variables, add_hint, read_solution
from scheduler.problem import Assignment, Lock, Problem, Task, hhmm
from scheduler.result import Diagnosis, Result
from scheduler.scenario import to_dict

MIN_SEARCH_S = 1.0  # CP-SAT runs only with this long left: loading a 1,000-task hint takes ~0.5 s
FINISH_S_PER_TASK = 0.0003  # time kept back per task for the explanations and the final gap filling
ATC_K = (10.0, 2.0, 50.0)  # look-ahead factors of the ATC construction, the first always, the others while in time
CONSTRUCT_SHARE = 0.3  # of the time limit, for the constructions after the first
SEARCH_SHARE = 0.3  # of the time limit, for local search before CP-SAT
SMALL_SEARCH_S = 0.5  # at most, on shops small enough for a proof (CP-SAT's strength there)
PROBE_S = 0.3  # CP-SAT on the whole model shows its gap by then
PROVABLE_GAP, LARGE_PROVABLE_GAP = 0.3, 0.1  # wider: hand over to neighbourhood re-solves
PLAN_S = 1.5  # the working-period plan's time limit, computed beside the first neighbourhood searcher
PLAN_AFTER_S = 2.5 * PLAN_S  # least search time left for the plan to pay off
PRESOLVE_MAX_TASKS = 100  # presolve proves small models sooner and delays large ones' first solution
PROOF_MAX_TASKS = 100  # models this small first get a proof attempt
PROOF_S = 1.0
PROOF_SUBSOLVERS = ("no_lp", "default_lp")
STATUS = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
          cp_model.INFEASIBLE: "infeasible", cp_model.UNKNOWN: "timeout"}


@dataclass(frozen=True)
class SolverParameters:
    time_limit_s: float = 10.0
    num_workers: int = 2  # this machine has 2 cores; more workers only add noise
    random_seed: int = 0
    # CP-SAT's presolve; None: only on models of at most PRESOLVE_MAX_TASKS tasks.
    presolve: bool | None = None

    def presolves(self, tasks: int) -> bool:
        return self.presolve if self.presolve is not None else tasks <= PRESOLVE_MAX_TASKS

    def to_dict(self, tasks: int) -> dict:
        out = {"time_limit_s": self.time_limit_s, "num_workers": self.num_workers,
               "random_seed": self.random_seed, "presolve": self.presolves(tasks)}
        return {**out, "proof_s": PROOF_S, "proof_subsolvers": list(PROOF_SUBSOLVERS)} if self.proves(tasks) else out

    def proves(self, tasks: int) -> bool:
        """Whether the solve starts with a proof attempt (`PROOF_S`)."""
        return tasks <= PROOF_MAX_TASKS and self.num_workers >= len(PROOF_SUBSOLVERS)

    def solver(self, tasks: int, time_limit_s: float | None = None, proof: bool = False) -> cp_model.CpSolver:
        """A CP-SAT solver with these parameters; with `proof`, its complete searches are
        `PROOF_SUBSOLVERS`."""
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = self.time_limit_s if time_limit_s is None else time_limit_s
        p.num_workers = self.num_workers
        p.random_seed = self.random_seed
        p.cp_model_presolve = self.presolves(tasks)
        if proof:
            p.subsolvers.extend(PROOF_SUBSOLVERS)
            p.num_full_subsolvers = len(PROOF_SUBSOLVERS)
        return solver


def input_hash(problem: Problem) -> str:
    """sha256 of the canonical scenario JSON: equal inputs give equal hashes."""
    canonical = json.dumps(to_dict(problem), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Progress(cp_model.CpSolverSolutionCallback):
    """Times the first solution and keeps the best objective and bound so far; once `PROBE_S`
    has passed and a schedule is known, stops the search if the gap is wider than
    `provable_gap` (`watch`, run beside the solve). The bound is at least `floor`
    (`empty_shop.lower_bound`): until a large model's search ends, CP-SAT reports only its
    variables' least values (0)."""

    def __init__(self, started: float, floor: float, provable_gap: float):
        super().__init__()
        self.started, self.seconds, self.provable_gap = started, None, provable_gap
        self.objective: float | None = None
        self.bound = floor
        self.gave_up = False

    def on_solution_callback(self) -> None:
        if self.seconds is None:
            self.seconds = round(time.perf_counter() - self.started, 3)
        self.objective = self.objective_value

    def on_bound(self, bound: float) -> None:
        self.bound = max(self.bound, bound)

    def watch(self, solver: cp_model.CpSolver, done: threading.Event) -> None:
        if done.wait(PROBE_S):
            return
        while self.objective is None:
            if done.wait(0.05):
                return
        if (self.objective - self.bound) / max(1.0, abs(self.objective)) > self.provable_gap:
            self.gave_up = True
            solver.stop_search()


def _solve_watched(model: cp_model.CpModel, solver: cp_model.CpSolver, progress: _Progress) -> int:
    """`solver.solve(model)`, with `progress` watching it (see `_Progress`)."""
    solver.best_bound_callback = progress.on_bound
    done = threading.Event()
    watcher = threading.Thread(target=progress.watch, args=(solver, done), daemon=True)
    watcher.start()
    code = solver.solve(model, progress)
    done.set()
    watcher.join()
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the model: {model.validate()}")
    return code


def baseline(problem: Problem, diagnoses: list[Diagnosis] | None = None) -> dict[str, Assignment]:
    """The greedy schedule of the tasks the diagnoses leave in."""
    diagnoses = diagnose(problem) if diagnoses is None else diagnoses
    excluded = {d.task for d in diagnoses}
    return greedy_schedule(problem, [t for t in problem.tasks if t.id not in excluded])


def lock_conflicts(problem: Problem, diagnoses: list[Diagnosis], params: SolverParameters) -> list[Diagnosis]:
    """Locked fields that cannot all hold: the fewest to give up so the rest is feasible."""
    excluded = {d.task for d in diagnoses}
    model = cp_model.CpModel()
    v = Variables(model, problem, [t for t in problem.tasks if t.id not in excluded], soft_locks=True)
    if not v.lock_kept:
        return []
    Constraints(v).add_all()
    model.maximize(sum(kept for _, _, kept in v.lock_kept))
    solver = params.solver(len(v.tasks), max(1.0, params.time_limit_s / 2))
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    out = []
    for task_id, field, kept in v.lock_kept:
        if not solver.boolean_value(kept):
            task = problem.task_by_id[task_id]
            value = (f"start {hhmm(problem, task.lock.start)}" if field == "start"
                     else problem.tech_by_id[task.lock.technician].name if field == "technician"
                     else f"bay '{problem.bay_by_id[task.lock.bay].name}'")
            out.append(Diagnosis(task_id, "lock_conflict",
                                 f"locked {value} cannot hold together with the other locks and hard constraints"))
    return out


def _placement_key(problem: Problem, placed: dict[str, Assignment]) -> tuple[int, int]:
    """(unplaced work left out of `placed` among all tasks, objective): lower is better."""
    unplaced = sum(problem.wo_by_id[t.work_order].priority * t.duration for t in problem.tasks if t.id not in placed)
    return unplaced, objective.total(objective.evaluate(problem, placed))


def _closed(problem: Problem, tasks: list[Task], placed: dict[str, Assignment]) -> dict[str, Assignment]:
    """`placed` without the tasks (and their successors) whose predecessors are not placed."""
    kept, ids = dict(placed), {t.id for t in tasks}
    for task in topological(problem, set(problem.task_by_id) - ids):
        if task.id in kept and any(p not in kept for p in task.predecessors):
            del kept[task.id]
    return kept


def construct(problem: Problem, tasks: list[Task], deadline: float) -> tuple[dict[str, Assignment], dict, float]:
    """The best constructive schedule of `tasks` found by `deadline` (the first ATC and EDD are always
    built), the EDD baseline, and the `time.perf_counter()` at which that first schedule was done."""
    edd = _closed(problem, tasks, greedy_schedule(problem, tasks))
    first = time.perf_counter()
    best = edd
    for i, k in enumerate(ATC_K):
        atc = atc_schedule(problem, tasks, k=k, deadline=None if i == 0 else deadline)
        if atc is None:
            break
        atc = _closed(problem, tasks, atc)
        if _placement_key(problem, atc) < _placement_key(problem, best):
            best = atc
    return best, edd, first


@dataclass
class _Search:
    """What `_run` found: status, the placement (bays by pool key) if any, the best proven bound."""
    code: int
    placed: dict[str, Assignment] | None
    bound: float
    v: Variables
    progress: _Progress  # gave_up: the neighbourhood search finished it


def _run(problem: Problem, tasks: list[Task], hint: dict[str, Assignment], params: SolverParameters,
         started: float, until: float) -> _Search:
    """CP-SAT over `tasks` (all placed in `hint`) until `until` (`time.perf_counter()`; `started`
    times the first solution): the whole model (on small ones a proof attempt first, `PROOF_S`),
    handing over to neighbourhood search (`lns.py`) if its gap stays wide."""
    model = cp_model.CpModel()
    v = Variables(model, problem, tasks)
    Constraints(v).add_all()
    goal = Objective(v)
    goal.add()
    add_hint(v, goal, {t: replace(a, bay=v.pools.key_of.get(a.bay)) for t, a in hint.items()})
    gap = PROVABLE_GAP if len(tasks) <= PROOF_MAX_TASKS else LARGE_PROVABLE_GAP
    progress = _Progress(started, empty_shop.lower_bound(problem, tasks), gap)
    left = max(0.01, until - time.perf_counter())
    proof = params.proves(len(tasks))
    solver = params.solver(len(tasks), min(left, PROOF_S) if proof else left, proof)
    code = _solve_watched(model, solver, progress)
    found = read_solution(solver, v) if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    bound = max(solver.best_objective_bound, progress.bound)
    if proof and code in (cp_model.FEASIBLE, cp_model.UNKNOWN) and not progress.gave_up and left > PROOF_S:
        # Not proven within PROOF_S: the default portfolio goes on from the best schedule found.
        if found is not None:
            model.clear_hints()
            add_hint(v, goal, found)
        rest = params.solver(len(tasks), left - solver.wall_time)
        rest_code = rest.solve(model, progress)
        if rest_code != cp_model.UNKNOWN:
            code, bound = rest_code, max(bound, rest.best_objective_bound)
            found = read_solution(rest, v) if rest_code != cp_model.INFEASIBLE else None
    if progress.gave_up and found is not None:
        # The whole-model search would not close this gap in time; small neighbourhoods do better.
        deadline = time.perf_counter() + left - solver.wall_time
        plan = partial(periods.plan, problem, tasks, PLAN_S, num_workers=1, random_seed=params.random_seed)
        found = lns.improve(problem, tasks, found, v.pools, deadline, params.num_workers, params.random_seed,
                            plan if deadline - time.perf_counter() >= PLAN_AFTER_S else None)
    return _Search(code, found, bound, v, progress)


def _locks_unplaced(problem: Problem, tasks: list[Task], placed: dict[str, Assignment]) -> bool:
    return any(t.id not in placed and t.lock != Lock() for t in tasks)


def solve(problem: Problem, params: SolverParameters = SolverParameters(),
          warm_start: dict[str, Assignment] | None = None) -> Result:
    """With `warm_start` (a feasible placement, e.g. the previous schedule repaired), that is the
    first schedule when it is no worse than the earliest-due-date one, and the slower
    constructions are skipped."""
    started = time.perf_counter()
    limit = params.time_limit_s
    diagnoses = diagnose(problem)

    def schedulable() -> list[Task]:
        excluded = {d.task for d in diagnoses}
        return [t for t in problem.tasks if t.id not in excluded]

    def first_schedule() -> tuple[dict[str, Assignment], dict[str, Assignment], float, str]:
        if warm_start is None:
            return *construct(problem, tasks, started + CONSTRUCT_SHARE * limit), "construction"
        ids = {t.id for t in tasks}
        warm = _closed(problem, tasks, {t: a for t, a in warm_start.items() if t in ids})
        edd = _closed(problem, tasks, greedy_schedule(problem, tasks))
        if _placement_key(problem, warm) <= _placement_key(problem, edd):
            return warm, edd, time.perf_counter(), "warm_start"
        return edd, edd, time.perf_counter(), "construction"

    tasks = schedulable()
    built, edd, first, built_by = first_schedule()
    if _locks_unplaced(problem, tasks, built):
        conflicts = lock_conflicts(problem, diagnoses, params)
        if conflicts:
            diagnoses = diagnoses + conflicts
            diagnoses += blocked_by(problem, {d.task for d in diagnoses})
            tasks = schedulable()
            built, edd, first, built_by = first_schedule()
    until = started + limit - FINISH_S_PER_TASK * len(tasks)
    share = started + min(SEARCH_SHARE * limit, SMALL_SEARCH_S if len(tasks) <= PROOF_MAX_TASKS else limit)
    # CP-SAT only when it will have MIN_SEARCH_S after the local search's share; else the search has it all.
    exact = until - max(time.perf_counter(), share) >= MIN_SEARCH_S
    searched, stats = improve(problem, tasks, built, share if exact else until, seed=params.random_seed)
    best, source = (searched, "local_search") if stats.improved else (built, built_by)
    status, bound = "feasible", None
    kept = [t for t in tasks if t.id in best]
    if kept and exact and until - time.perf_counter() >= MIN_SEARCH_S:
        run = _run(problem, kept, best, params, started, until)
        bound = run.bound
        if run.placed is not None:
            solved = left_shift(problem, run.v.pools.assign(run.placed))
            if _placement_key(problem, solved) <= _placement_key(problem, best):
                best, source = solved, "lns" if run.progress.gave_up else "cp_sat"
        if run.code == cp_model.OPTIMAL and len(kept) == len(tasks):
            status = "optimal"
    elif not tasks:
        status = "optimal"

    if len(best) < len(tasks):  # a left shift may have opened gaps that fit work left out
        best = fill_gaps(problem, tasks, best)
    explained = explain_schedule(problem, tasks, best, diagnoses)
    value = objective.total(explained.terms)
    if bound is None or len(kept) < len(tasks):
        bound = empty_shop.lower_bound(problem, kept) if kept else 0
    parameters = {**params.to_dict(len(kept)), "source": source,
                  "local_search": {"evaluated": stats.evaluated, "kept": stats.kept, "kicks": stats.kicks}}
    return Result(
        status=status,
        objective=value,
        best_bound=float(min(bound, value)),
        terms=explained.terms,
        solve_seconds=time.perf_counter() - started,
        first_solution_seconds=round(first - started, 3),
        parameters=parameters,
        input_hash=input_hash(problem),
        items=explained.items,
        diagnoses=explained.diagnoses,
        lateness=explained.lateness,
        baseline_objective=objective.total(objective.evaluate(problem, edd)) if len(edd) == len(tasks) else None,
    )
