"""Reasons a dispatcher can read, computed from the solution: which constraint is tight
at each task's start (parts, dependency, shift, busy technician or bay, lock), why this
technician and bay, and why a work order is late."""
from collections.abc import Mapping
from dataclasses import dataclass

from scheduler import objective
from scheduler.diagnose import candidate_bays, candidate_techs, release_time
from scheduler.greedy import earliest_slot, resource_timelines
from scheduler.problem import Assignment, Problem, Task, hhmm, with_skill
from scheduler.result import Diagnosis, ScheduledTask, Term


@dataclass(frozen=True)
class ExplainedSchedule:
    """A schedule as a Result reports it: its cost terms, each work order's lateness, the
    diagnoses with a `no_room` one per task left out, and its items in start order with their reasons."""
    terms: dict[str, Term]
    lateness: dict[str, int]
    diagnoses: list[Diagnosis]
    items: list[ScheduledTask]


def explain_schedule(problem: Problem, tasks: list[Task], placed: dict[str, Assignment],
                     diagnoses: list[Diagnosis], reuse: Mapping[str, list[str]] | None = None) -> ExplainedSchedule:
    """`placed` explained: `tasks` are those it was to place, `diagnoses` why the others were left out
    before it; `reuse` holds reasons still true for some tasks (they are not explained again)."""
    reuse = reuse or {}
    unplaced = {t.id for t in tasks if t.id not in placed}
    lateness = objective.lateness(problem, placed)
    explainer = Explainer(problem, placed, lateness)
    diagnoses = diagnoses + [Diagnosis(t, "no_room", explainer.why_not(t, unplaced))
                             for t in sorted(unplaced, key=list(problem.task_by_id).index)]
    items = [ScheduledTask(a.task, a.technician, a.bay, a.start, a.end,
                           list(reuse[a.task]) if a.task in reuse else explainer.why(a.task))
             for a in sorted(placed.values(), key=lambda a: (a.start, a.task))]
    return ExplainedSchedule(objective.evaluate(problem, placed), lateness, diagnoses, items)


class Explainer:
    def __init__(self, problem: Problem, placed: dict[str, Assignment], lateness: dict[str, int]):
        self.p, self.placed, self.lateness = problem, placed, lateness
        self.techs, self.bays = resource_timelines(problem)
        for a in placed.values():
            self.techs[a.technician].reserve(a.start, a.end, a.task)
            if a.bay is not None:
                self.bays[a.bay].reserve(a.start, a.end, a.task)
        self.last_of_wo: dict[str, str] = {}
        for a in placed.values():
            wo = problem.task_by_id[a.task].work_order
            if wo not in self.last_of_wo or a.end > placed[self.last_of_wo[wo]].end:
                self.last_of_wo[wo] = a.task

    def why(self, task_id: str) -> list[str]:
        p, a = self.p, self.placed[task_id]
        task = p.task_by_id[task_id]
        at = hhmm(p, a.start)
        reasons = []
        locked = [f for f in ("start", "technician", "bay") if getattr(task.lock, f) is not None]
        if locked:
            reasons.append(f"locked by dispatcher ({', '.join(locked)})")
        if a.start == 0:
            reasons.append(f"starts {at}: start of the planning horizon")
        if isinstance(task.parts_ready, int) and task.parts_ready == a.start:
            reasons.append(f"starts {at}: parts arrive {at}")
        for pred in task.predecessors:
            if pred in self.placed and self.placed[pred].end == a.start:
                reasons.append(f"after '{p.task_by_id[pred].name}' (dependency) ends {at}")
        reasons += self._resource_tight(task, a, at)
        earliest = self._earliest(task)
        reasons += self._choice_of_tech(task, a, earliest)
        reasons += self._choice_of_bay(task, a, earliest)
        if len(reasons) == len(locked):
            before = p.previous_by_task.get(task_id)
            if before is not None and before.start == a.start:
                reasons.append(f"starts {at}: kept at its previous start (stability)")
            else:
                reasons.append(f"starts {at}: no constraint is tight; placed here to favour other work (objective)")
        wo = task.work_order
        if self.lateness.get(wo) and self.last_of_wo.get(wo) == task_id:
            due = p.wo_by_id[wo].due
            reasons.insert(0, f"late {self.lateness[wo]} min: due {hhmm(p, due)}")
        return reasons

    def _resource_tight(self, task: Task, a: Assignment, at: str) -> list[str]:
        p, out = self.p, []
        tech = p.tech_by_id[a.technician]
        for other in self.techs[a.technician].ending_at(a.start, ignore=task.id):
            if other is None:
                back = any(w.end == a.start for w in tech.time_off)
                out.append(f"starts {at}: {tech.name} is back from time off at {at}" if back
                           else f"starts {at}: {tech.name}'s shift starts {at}")
            else:
                out.append(f"{tech.name} is busy with '{p.task_by_id[other].name}' until {at}")
        if a.bay is not None:
            bay = p.bay_by_id[a.bay]
            for other in self.bays[a.bay].ending_at(a.start, ignore=task.id):
                out.append(f"bay '{bay.name}' is down until {at}" if other is None
                           else f"bay '{bay.name}' is busy with '{p.task_by_id[other].name}' until {at}")
        return sorted(set(out), key=out.index)

    def _earliest(self, task: Task) -> int:
        """Earliest start allowed by parts and dependencies in this schedule."""
        ends = [self.placed[d].end for d in task.predecessors if d in self.placed]
        return max([release_time(task)] + ends)

    def _choice_of_tech(self, task: Task, a: Assignment, earliest: int) -> list[str]:
        p = self.p
        if task.lock.technician is not None:
            return []
        name = p.tech_by_id[a.technician].name
        others = [t for t in candidate_techs(p, task) if t.id != a.technician]
        if not others:
            return [f"{name} is the only technician {with_skill(task)}".rstrip()]
        fits = [self.techs[t.id].earliest_fit(earliest, task.duration) for t in others]  # the task is not on theirs
        if all(f is None or f > a.start for f in fits):
            known = [f for f in fits if f is not None]
            until = f" before {hhmm(p, min(known))}" if known else " in the horizon"
            return [f"{name} is the only free technician {with_skill(task)}".rstrip() + until]
        return []

    def _choice_of_bay(self, task: Task, a: Assignment, earliest: int) -> list[str]:
        """When every eligible bay is taken until this task starts, say so."""
        p = self.p
        if task.bay_type is None or task.lock.bay is not None or a.start <= earliest:
            return []
        bays = candidate_bays(p, task)
        fits = [self.bays[b.id].earliest_fit(earliest, task.duration, ignore=task.id if b.id == a.bay else None)
                for b in bays]
        first = min(f for f in fits if f is not None)
        if first < a.start:
            return []
        which = f"the only '{task.bay_type}' bay is" if len(bays) == 1 else f"all {len(bays)} '{task.bay_type}' bays are"
        return [f"{which} full until {hhmm(p, first)}"]

    def why_not(self, task_id: str, unplaced: set[str]) -> str:
        """Why a task the search could not place is left out: the resource that ran out."""
        p, task = self.p, self.p.task_by_id[task_id]
        blocker = next((q for q in task.predecessors if q in unplaced), None)
        if blocker is not None:
            return f"not scheduled: depends on '{p.task_by_id[blocker].name}', which could not be placed"
        end = f"before {hhmm(p, p.horizon)}, end of the {_horizon_length(p)} horizon"
        earliest = self._earliest(task)
        d = task.duration
        techs = [t for t in candidate_techs(p, task) if self.techs[t.id].earliest_fit(earliest, d) is not None]
        who = f"technician {with_skill(task)}".rstrip()
        if not techs:
            return f"not scheduled: no {who} free for {d} min {end}"
        if task.bay_type is not None:
            bays = [b for b in candidate_bays(p, task) if self.bays[b.id].earliest_fit(earliest, d) is not None]
            if not bays:
                return f"not scheduled: no '{task.bay_type}' bay free for {d} min {end}"
            if earliest_slot(p, task, earliest, self.techs, self.bays) is None:
                return f"not scheduled: no '{task.bay_type}' bay free while a {who} is, for {d} min {end}"
        return f"not scheduled: it fits only where it would push placed work past the {_horizon_length(p)} horizon"


def _horizon_length(problem: Problem) -> str:
    days, rest = divmod(problem.horizon, 1440)
    return f"{days}-day" if days and not rest else f"{problem.horizon}-minute"
