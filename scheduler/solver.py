"""`solve(problem)`: diagnose, build the CP-SAT model from the rest, solve, explain.

When the model is infeasible only because locks clash (in a way the pre-solve checks
cannot see, e.g. two tasks locked at one time on the only bay of a type), a second model
keeps as many locked fields as possible; the tasks whose locks it must drop are reported
as lock conflicts and left out, and the rest is solved again.
"""
import hashlib
import json
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler import objective
from scheduler.diagnose import blocked_by, diagnose
from scheduler.explain import Explainer
from scheduler.greedy import greedy_schedule
from scheduler.leftshift import left_shift
from scheduler.model import Constraints, Objective, Variables, add_hint
from scheduler.problem import Assignment, Problem, hhmm
from scheduler.result import Diagnosis, Result, ScheduledTask, Term
from scheduler.scenario import to_dict

STATUS = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
          cp_model.INFEASIBLE: "infeasible", cp_model.UNKNOWN: "timeout"}


@dataclass(frozen=True)
class SolverParameters:
    time_limit_s: float = 10.0
    num_workers: int = 2  # this machine has 2 cores; more workers only add noise
    random_seed: int = 0
    # Measured on this machine (bench/scheduler_bench.py): CP-SAT's presolve costs seconds on
    # a few hundred tasks and slows both the first solution and the proof on 50 tasks.
    presolve: bool = False

    def to_dict(self) -> dict:
        return {"time_limit_s": self.time_limit_s, "num_workers": self.num_workers,
                "random_seed": self.random_seed, "presolve": self.presolve}

    def solver(self, time_limit_s: float | None = None) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = self.time_limit_s if time_limit_s is None else time_limit_s
        solver.parameters.num_workers = self.num_workers
        solver.parameters.random_seed = self.random_seed
        solver.parameters.cp_model_presolve = self.presolve
        return solver


def input_hash(problem: Problem) -> str:
    """sha256 of the canonical scenario JSON: equal inputs give equal hashes."""
    canonical = json.dumps(to_dict(problem), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float):
        super().__init__()
        self.started, self.seconds = started, None

    def on_solution_callback(self) -> None:
        if self.seconds is None:
            self.seconds = round(time.perf_counter() - self.started, 3)


def build(problem: Problem, diagnoses: list[Diagnosis]):
    """The model over every task no diagnosis excludes: (model, variables, objective)."""
    excluded = {d.task for d in diagnoses}
    model = cp_model.CpModel()
    variables = Variables(model, problem, [t for t in problem.tasks if t.id not in excluded])
    Constraints(variables).add_all()
    goal = Objective(variables)
    goal.add()
    return model, variables, goal


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
    solver = params.solver(max(1.0, params.time_limit_s / 2))
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


def _run(problem: Problem, diagnoses: list[Diagnosis], params: SolverParameters, started: float, retry=False):
    """One CP-SAT solve; a retry gets what is left of the time limit (at least a second)."""
    hint = baseline(problem, diagnoses)
    model, v, goal = build(problem, diagnoses)
    add_hint(v, goal, hint)
    left = max(1.0, params.time_limit_s - (time.perf_counter() - started)) if retry else None
    solver, first = params.solver(left), _FirstSolution(started)
    code = solver.solve(model, first)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the model: {model.validate()}")
    return code, solver, v, hint, first


def solve(problem: Problem, params: SolverParameters = SolverParameters()) -> Result:
    started = time.perf_counter()
    diagnoses = diagnose(problem)
    code, solver, v, hint, first = _run(problem, diagnoses, params, started)
    if code == cp_model.INFEASIBLE:
        conflicts = lock_conflicts(problem, diagnoses, params)
        if conflicts:
            diagnoses = diagnoses + conflicts
            diagnoses += blocked_by(problem, {d.task for d in diagnoses})
            code, solver, v, hint, first = _run(problem, diagnoses, params, started, retry=True)
    if code in (cp_model.INFEASIBLE, cp_model.UNKNOWN) and len(hint) < len(v.tasks):
        # An overfull horizon: leave out what the greedy schedule could not place either
        # (the greedy schedule of the rest proves the rest feasible) rather than plan nothing.
        full = [Diagnosis(t.id, "no_room", "not scheduled: no room left for it in the planning horizon")
                for t in v.tasks if t.id not in hint]
        diagnoses = diagnoses + full
        diagnoses += blocked_by(problem, {d.task for d in diagnoses})
        code, solver, v, hint, first = _run(problem, diagnoses, params, started, retry=True)

    placed: dict[str, Assignment] = {}
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for task in v.tasks:
            tech = next(k for k, x in v.on_tech[task.id].items() if solver.boolean_value(x))
            bay = next((k for k, x in v.on_bay.get(task.id, {}).items() if solver.boolean_value(x)), None)
            start = solver.value(v.start[task.id])
            placed[task.id] = Assignment(task.id, tech, bay, start, start + task.duration)
        placed = left_shift(problem, placed)
    else:
        why = ("the tasks left cannot all be scheduled together in the horizon (check shifts and the horizon length)"
               if code == cp_model.INFEASIBLE else f"no schedule found within {params.time_limit_s:g} s")
        diagnoses = diagnoses + [Diagnosis(t.id, STATUS[code], f"not scheduled: {why}") for t in v.tasks]

    terms = objective.evaluate(problem, placed)
    lateness = objective.lateness(problem, placed)
    explainer = Explainer(problem, placed, lateness)
    items = [ScheduledTask(a.task, a.technician, a.bay, a.start, a.end, explainer.why(a.task))
             for a in sorted(placed.values(), key=lambda a: (a.start, a.task))]
    greedy_ok = len(hint) == len(v.tasks) and all(
        hint[p].end <= a.start for a in hint.values() for p in problem.task_by_id[a.task].predecessors if p in hint)
    return Result(
        status=STATUS[code],
        objective=objective.total(terms) if placed else None,
        best_bound=float(solver.best_objective_bound) if placed else None,
        terms=terms if placed else {k: Term(0, t.weight) for k, t in terms.items()},
        solve_seconds=time.perf_counter() - started,
        first_solution_seconds=first.seconds,
        parameters=params.to_dict(),
        input_hash=input_hash(problem),
        items=items,
        diagnoses=diagnoses,
        lateness=lateness,
        baseline_objective=objective.total(objective.evaluate(problem, hint)) if greedy_ok else None,
    )
