"""`solve(problem)`: diagnose, build the CP-SAT model from the rest, solve, explain.

When the model is infeasible only because locks clash (in a way the pre-solve checks
cannot see, e.g. two tasks locked at one time on the only bay of a type), a second model
keeps as many locked fields as possible; the tasks whose locks it must drop are reported
as lock conflicts and left out, and the rest is solved again.
"""
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from functools import partial

from ortools.sat.python import cp_model

from scheduler import empty_shop, lns, objective, periods
from scheduler.diagnose import blocked_by, diagnose
from scheduler.explain import Explainer
from scheduler.greedy import earliest_start_schedule, greedy_schedule
from scheduler.leftshift import left_shift
from scheduler.model import Constraints, Objective, Variables, add_hint, read_solution
from scheduler.problem import Assignment, Problem, hhmm
from scheduler.result import Diagnosis, Result, ScheduledTask, Term
from scheduler.scenario import to_dict

# CP-SAT loads a complete hint as its first solution; this leaves it time to do so even
# when building the model used up the time limit (loading 1,000 tasks takes ~0.5 s).
MIN_SEARCH_S = 1.0
# At most this share of the time limit goes to the earliest-start hint; past it, EDD is the hint.
# The 1,000-task benchmark shop's takes ~1 s and is 1.8% better than EDD, which the search does not
# make up in 10 s: there, 0.3 gives 1,434-1,437k at 10 s, 0.2 (the hint given up) 1,455-1,458k.
# At 5 s, after ~0.3 s of diagnoses and EDD, 0.3 left it too little time in 3 of 6 runs (1,457.9-
# 1,463.9k instead of 1,436.6-1,437.8k); 0.4 in none of 6 (1,436.3-1,438.0k).
HINT_SHARE = 0.4
# `_run` searches the whole model, and once PROBE_S has passed and it has a schedule, hands
# over to neighbourhood search if the gap is wider than PROVABLE_GAP, or LARGE_PROVABLE_GAP
# for models past PROOF_MAX_TASKS (generated shops then: 50 tasks 1-21%, 100 tasks 7-15%,
# 200 tasks 53-54%, 1,000 tasks 21-23%). On the 1,000-task benchmark shop the whole model barely
# moves off its hint in 10 s (1,438,123 to 1,438,108) where neighbourhood search gets to
# 1,435,300-1,437,534.
PROBE_S = 0.3
PROVABLE_GAP = 0.3
LARGE_PROVABLE_GAP = 0.1
# Neighbourhood search computes the working-period relaxation's plan for this long on one
# core beside its first searcher (`periods.plan`), if at least PLAN_AFTER_S of search is
# left: on the 200-task benchmark shop at 5 s, 1.0 s and 2.5 s gave means of 205.2k and
# 204.8k (12 runs), 1.5 s 201.6-207.5k (6 series of 12-24 runs); without a plan 205.7-210.5k.
PLAN_S = 1.5
PLAN_AFTER_S = 2.5 * PLAN_S
# Measured with bench/scheduler_bench.py's shops: presolve takes the 50-task proof from
# 0.2-2.3 s to 0.3-0.9 s, but delays the first solution by 0.1 s at 100 tasks, 0.5 s at 200,
# and past 4 s at 1,000.
PRESOLVE_MAX_TASKS = 100
# Models of at most PROOF_MAX_TASKS tasks first get up to PROOF_S of CP-SAT's two complete
# searches without and with the LP relaxation (`PROOF_SUBSOLVERS`), instead of the default
# one complete search beside neighbourhood workers; then the default portfolio goes on from
# their best schedule. On 4 generated 50-task shops x 6 seeds (2 workers) the pair proved
# optimality in 0.2-1.0 s against 0.2-2.1 s; on the benchmark shop in 0.49-0.56 s against
# 0.25-1.24 s. Without neighbourhood workers they improve an unproven schedule more slowly:
# a 50-task shop that no search proves in 5 s gets 18.4k at a 1 s limit against 17.6k (mean
# of 4 seeds), the same at 5 s; a 100-task shop the same at 10 s (78.5k against 78.8k).
PROOF_MAX_TASKS = 100
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


def build(problem: Problem, diagnoses: list[Diagnosis]):
    """The model over every task no diagnosis excludes: (model, variables, objective)."""
    excluded = {d.task for d in diagnoses}
    model = cp_model.CpModel()
    variables = Variables(model, problem, [t for t in problem.tasks if t.id not in excluded])
    Constraints(variables).add_all()
    goal = Objective(variables)
    goal.add()
    return model, variables, goal


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


def hint_schedule(problem: Problem, diagnoses: list[Diagnosis], edd: dict[str, Assignment],
                  deadline: float) -> dict[str, Assignment]:
    """The better of the EDD baseline and the earliest-start schedule (if that one is done
    by `deadline`): more tasks placed, then the lower objective."""
    excluded = {d.task for d in diagnoses}
    other = earliest_start_schedule(problem, [t for t in problem.tasks if t.id not in excluded], deadline)
    if other is None:
        return edd
    return min((edd, other), key=lambda s: (-len(s), objective.total(objective.evaluate(problem, s))))


@dataclass
class _Search:
    """What `_run` found: status, the placement (bays by pool key) if any, the best proven bound."""
    code: int
    placed: dict[str, Assignment] | None
    bound: float
    v: Variables
    edd: dict[str, Assignment]  # the baseline
    hint: dict[str, Assignment]
    progress: _Progress  # gave_up: the neighbourhood search finished it


def _run(problem: Problem, diagnoses: list[Diagnosis], params: SolverParameters, started: float):
    """Solve with what is left of the time limit, which counts from `started` (diagnoses,
    greedy and model building included), but at least `MIN_SEARCH_S`: CP-SAT on the whole
    model (on small ones a proof attempt first, `PROOF_S`), handing over to neighbourhood
    search (`lns.py`) if its gap stays wide."""
    edd = baseline(problem, diagnoses)
    hint = hint_schedule(problem, diagnoses, edd, started + HINT_SHARE * params.time_limit_s)
    model, v, goal = build(problem, diagnoses)
    add_hint(v, goal, hint)
    gap = PROVABLE_GAP if len(v.tasks) <= PROOF_MAX_TASKS else LARGE_PROVABLE_GAP
    progress = _Progress(started, empty_shop.lower_bound(problem, v.tasks), gap)
    left = max(MIN_SEARCH_S, params.time_limit_s - (time.perf_counter() - started))
    proof = params.proves(len(v.tasks))
    solver = params.solver(len(v.tasks), min(left, PROOF_S) if proof else left, proof)
    code = _solve_watched(model, solver, progress)
    found = read_solution(solver, v) if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    bound = max(solver.best_objective_bound, progress.bound)
    if proof and code in (cp_model.FEASIBLE, cp_model.UNKNOWN) and not progress.gave_up and left > PROOF_S:
        # Not proven within PROOF_S: the default portfolio goes on from the best schedule found.
        if found is not None:
            model.clear_hints()
            add_hint(v, goal, found)
        rest = params.solver(len(v.tasks), left - solver.wall_time)
        rest_code = rest.solve(model, progress)
        if rest_code != cp_model.UNKNOWN:
            code, bound = rest_code, max(bound, rest.best_objective_bound)
            found = read_solution(rest, v) if rest_code != cp_model.INFEASIBLE else None
    if progress.gave_up and found is not None:
        # The whole-model search would not close this gap in time (its bound barely moves on
        # larger shops); re-solving small neighbourhoods improves the schedule far faster.
        deadline = time.perf_counter() + left - solver.wall_time
        plan = partial(periods.plan, problem, v.tasks, PLAN_S, num_workers=1, random_seed=params.random_seed)
        found = lns.improve(problem, v.tasks, found, v.pools, deadline, params.num_workers, params.random_seed,
                            plan if deadline - time.perf_counter() >= PLAN_AFTER_S else None)
    return _Search(code, found, bound, v, edd, hint, progress)


def solve(problem: Problem, params: SolverParameters = SolverParameters()) -> Result:
    started = time.perf_counter()
    diagnoses = diagnose(problem)
    run = _run(problem, diagnoses, params, started)
    if run.code == cp_model.INFEASIBLE:
        conflicts = lock_conflicts(problem, diagnoses, params)
        if conflicts:
            diagnoses = diagnoses + conflicts
            diagnoses += blocked_by(problem, {d.task for d in diagnoses})
            run = _run(problem, diagnoses, params, started)
    if run.code in (cp_model.INFEASIBLE, cp_model.UNKNOWN) and len(run.hint) < len(run.v.tasks):
        # An overfull horizon: leave out what the greedy schedule could not place either
        # (the greedy schedule of the rest proves the rest feasible) rather than plan nothing.
        full = [Diagnosis(t.id, "no_room", "not scheduled: no room left for it in the planning horizon")
                for t in run.v.tasks if t.id not in run.hint]
        diagnoses = diagnoses + full
        diagnoses += blocked_by(problem, {d.task for d in diagnoses})
        run = _run(problem, diagnoses, params, started)

    placed: dict[str, Assignment] = {}
    status, parameters = STATUS[run.code], params.to_dict(len(run.v.tasks))
    if run.code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placed = left_shift(problem, run.v.pools.assign(run.placed))
        if run.progress.gave_up:
            parameters = {**parameters, "source": "lns"}
    elif run.code == cp_model.UNKNOWN and len(run.hint) == len(run.v.tasks):
        # CP-SAT found nothing in time (a very large shop): publish the hint, a greedy schedule
        # that meets every hard constraint, rather than nothing.
        placed = left_shift(problem, run.hint)
        status, parameters = "feasible", {**parameters, "source": "greedy"}
    else:
        why = ("the tasks left cannot all be scheduled together in the horizon (check shifts and the horizon length)"
               if run.code == cp_model.INFEASIBLE else f"no schedule found within {params.time_limit_s:g} s")
        diagnoses = diagnoses + [Diagnosis(t.id, STATUS[run.code], f"not scheduled: {why}") for t in run.v.tasks]

    terms = objective.evaluate(problem, placed)
    lateness = objective.lateness(problem, placed)
    explainer = Explainer(problem, placed, lateness)
    items = [ScheduledTask(a.task, a.technician, a.bay, a.start, a.end, explainer.why(a.task))
             for a in sorted(placed.values(), key=lambda a: (a.start, a.task))]
    edd = run.edd
    greedy_ok = len(edd) == len(run.v.tasks) and all(
        edd[p].end <= a.start for a in edd.values() for p in problem.task_by_id[a.task].predecessors if p in edd)
    return Result(
        status=status,
        objective=objective.total(terms) if placed else None,
        best_bound=float(run.bound) if placed else None,
        terms=terms if placed else {k: Term(0, t.weight) for k, t in terms.items()},
        solve_seconds=time.perf_counter() - started,
        first_solution_seconds=run.progress.seconds,
        parameters=parameters,
        input_hash=input_hash(problem),
        items=items,
        diagnoses=diagnoses,
        lateness=lateness,
        baseline_objective=objective.total(objective.evaluate(problem, edd)) if greedy_ok else None,
    )
