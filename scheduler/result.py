"""What a solve returns: status, objective terms, the placed tasks with reasons, diagnoses."""
from dataclasses import dataclass, field

from scheduler.problem import Assignment, Problem


@dataclass(frozen=True)
class Diagnosis:
    """A problem found in the input, concerning one task (None: the whole problem)."""
    task: str | None
    kind: str  # missing_skill, missing_bay_type, dependency_cycle, waiting_on_parts, no_window, lock_conflict, blocked, no_room, ...
    message: str

    def to_dict(self) -> dict:
        return {"task": self.task, "kind": self.kind, "message": self.message}


@dataclass
class ScheduledTask:
    task: str
    technician: str
    bay: str | None
    start: int
    end: int
    why: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Moved:
    """One line of a re-optimization's diff: a task whose start, technician or bay changed, or
    that became placed (`before` None) or unplaced (`after` None), and why."""
    task: str
    before: Assignment | None
    after: Assignment | None
    reason: str  # "pushed by …", "freed by …", "placed", "unplaced: …"

    def to_dict(self, problem: Problem) -> dict:
        def where(a: Assignment | None) -> dict | None:
            if a is None:
                return None
            return {"technician": a.technician, "bay": a.bay, "start": problem.clock(a.start).isoformat(),
                    "end": problem.clock(a.end).isoformat(), "start_minute": a.start, "end_minute": a.end}

        return {"task": self.task, "before": where(self.before), "after": where(self.after), "reason": self.reason}


@dataclass
class Term:
    value: int
    weight: int

    @property
    def weighted(self) -> int:
        return self.value * self.weight


@dataclass
class Result:
    status: str  # optimal, feasible, infeasible, timeout
    objective: int | None
    best_bound: float | None
    terms: dict[str, Term]
    solve_seconds: float
    first_solution_seconds: float | None
    parameters: dict
    input_hash: str
    items: list[ScheduledTask]
    diagnoses: list[Diagnosis]
    lateness: dict[str, int]  # work order -> minutes late (0: on time)
    baseline_objective: int | None = None  # greedy earliest-due-date schedule, same objective
    moves: list[Moved] | None = None  # a re-optimization's diff against the previous schedule

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.best_bound is None:
            return None
        return abs(self.objective - self.best_bound) / max(1, abs(self.objective))

    @property
    def unscheduled(self) -> dict[str, list[str]]:
        """Task -> reasons it is not in the schedule."""
        out: dict[str, list[str]] = {}
        for d in self.diagnoses:
            if d.task is not None:
                out.setdefault(d.task, []).append(d.message)
        return out

    def breakdown(self) -> dict:
        return {name: {"value": t.value, "weight": t.weight, "weighted": t.weighted} for name, t in self.terms.items()}

    def to_dict(self, problem: Problem) -> dict:
        def at(minute: int) -> str:
            return problem.clock(minute).isoformat()

        return {
            "status": self.status,
            "objective": self.objective,
            "best_bound": self.best_bound,
            "gap": self.gap,
            "objective_breakdown": self.breakdown(),
            "baseline_objective": self.baseline_objective,
            "solve_seconds": round(self.solve_seconds, 3),
            "first_solution_seconds": self.first_solution_seconds,
            "parameters": self.parameters,
            "input_hash": self.input_hash,
            "lateness_minutes": self.lateness,
            "items": [{"task": i.task, "technician": i.technician, "bay": i.bay, "start": at(i.start),
                       "end": at(i.end), "start_minute": i.start, "end_minute": i.end, "why": i.why}
                      for i in self.items],
            "unscheduled": [{"task": task, "why": reasons} for task, reasons in self.unscheduled.items()],
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            **({"moves": [m.to_dict(problem) for m in self.moves]} if self.moves is not None else {}),
        }
