"""The CP-SAT model, in three parts: Variables, Constraints, Objective.

One optional interval per (task, eligible technician) and per (task, eligible bay pool,
see `pools.py`); exactly one of each is present. Technician and bay unavailability are
fixed intervals in the same NoOverlap (Cumulative for a pool of several bays), so a task
never spans a gap in availability.
"""
from ortools.sat.python import cp_model

from scheduler.diagnose import candidate_bays, candidate_techs, release_time
from scheduler.pools import BayPools
from scheduler.problem import Assignment, Problem, Task, Window, complement


def start_windows(windows, release: int, duration: int, horizon: int) -> list[list[int]]:
    """Closed ranges of start minutes at which [start, start + duration) fits a window."""
    out = []
    for w in windows:
        lo, hi = max(w.start, release), min(w.end, horizon) - duration
        if lo <= hi:
            out.append([lo, hi])
    return out


class Variables:
    """With `soft_locks`, each locked field is kept only if its literal in `lock_kept` is true
    (used to find which locks cannot all hold together); bays are then not pooled, since
    a lock may be dropped. `on_bay` and `bay_intervals` are keyed by pool (`pools.key_of`)."""

    def __init__(self, model: cp_model.CpModel, problem: Problem, tasks: list[Task], soft_locks: bool = False):
        self.model, self.problem, self.tasks, self.soft_locks = model, problem, tasks, soft_locks
        self.pools = BayPools(problem, pooled=not soft_locks)
        self.lock_kept: list[tuple[str, str, cp_model.IntVar]] = []  # (task, field, kept)
        self.start: dict[str, cp_model.IntVar] = {}
        self.end: dict[str, cp_model.IntVar] = {}
        self.on_tech: dict[str, dict[str, cp_model.IntVar]] = {}  # task -> tech -> presence
        self.on_bay: dict[str, dict[str, cp_model.IntVar]] = {}
        self.tech_intervals: dict[str, list] = {t.id: [] for t in problem.technicians}
        self.bay_intervals: dict[str, list] = {key: [] for key in self.pools.members}
        for task in tasks:
            self._add_task(task)

    def _add_task(self, task: Task) -> None:
        p, m = self.problem, self.model
        release = release_time(task)
        techs = p.eligible_techs(task) if self.soft_locks else candidate_techs(p, task)
        bays = p.eligible_bays(task) if self.soft_locks else candidate_bays(p, task)
        tech_starts = {t.id: start_windows(p.available(t), release, task.duration, p.horizon) for t in techs}
        tech_starts = {k: v for k, v in tech_starts.items() if v}
        bay_starts = {self.pools.key_of[b.id]: start_windows(p.bay_open(b), release, task.duration, p.horizon)
                      for b in bays}
        bay_starts = {k: v for k, v in bay_starts.items() if v}
        if task.lock.start is not None and not self.soft_locks:
            domain = cp_model.Domain(task.lock.start, task.lock.start)
        else:
            domain = cp_model.Domain.from_intervals([r for rs in tech_starts.values() for r in rs])
        start = m.new_int_var_from_domain(domain, f"start[{task.id}]")
        end = m.new_int_var(domain.min() + task.duration if not domain.is_empty() else 0, p.horizon, f"end[{task.id}]")
        m.add(end == start + task.duration)
        self.start[task.id], self.end[task.id] = start, end
        self.on_tech[task.id] = self._alternatives(task, tech_starts, self.tech_intervals, "tech")
        if task.bay_type is not None:
            self.on_bay[task.id] = self._alternatives(task, bay_starts, self.bay_intervals, "bay")
        if self.soft_locks:
            self._soft_locks(task)

    def _soft_locks(self, task: Task) -> None:
        m, lock = self.model, task.lock
        for field, value in (("start", lock.start), ("technician", lock.technician), ("bay", lock.bay)):
            if value is None:
                continue
            kept = m.new_bool_var(f"keep_{field}[{task.id}]")
            if field == "start":
                m.add(self.start[task.id] == value).only_enforce_if(kept)
            else:
                present = (self.on_tech if field == "technician" else self.on_bay)[task.id].get(value)
                m.add(kept == 0) if present is None else m.add_implication(kept, present)
            self.lock_kept.append((task.id, field, kept))

    def _alternatives(self, task, starts_by_resource, intervals, label):
        """One optional interval per resource that has a window the task fits in; the
        resource's unavailability sits in its NoOverlap (see Constraints)."""
        m = self.model
        presence = {}
        for resource in starts_by_resource:
            present = m.new_bool_var(f"{label}[{task.id},{resource}]")
            interval = m.new_optional_fixed_size_interval_var(
                self.start[task.id], task.duration, present, f"iv_{label}[{task.id},{resource}]")
            intervals[resource].append(interval)
            presence[resource] = present
        return presence


class Constraints:
    def __init__(self, v: Variables):
        self.v = v

    def add_all(self) -> None:
        m, p, v = self.v.model, self.v.problem, self.v
        for task in v.tasks:
            m.add_exactly_one(v.on_tech[task.id].values())
            if task.bay_type is not None:
                m.add_exactly_one(v.on_bay[task.id].values())
            for pred in task.predecessors:
                if pred in v.end:
                    m.add(v.start[task.id] >= v.end[pred])
        for tech in p.technicians:
            blocked = complement(p.available(tech), p.horizon) if tech.availability is not None else ()
            self._resource(v.tech_intervals[tech.id], blocked, f"off[{tech.id}]")
        for key, bays in v.pools.members.items():
            self._resource(v.bay_intervals[key], bays[0].downtime, f"down[{key}]", capacity=len(bays))

    def _resource(self, intervals, blocked: tuple[Window, ...], name: str, capacity: int = 1) -> None:
        """At most `capacity` of `intervals` at once, none during `blocked`."""
        m = self.v.model
        if not intervals:
            return
        fixed = [m.new_fixed_size_interval_var(w.start, w.length, name) for w in blocked
                 if w.end > 0 and w.start < self.v.problem.horizon]
        if capacity > 1:
            m.add_cumulative(intervals + fixed, [1] * len(intervals) + [capacity] * len(fixed), capacity)
        elif len(intervals) + len(fixed) > 1:
            m.add_no_overlap(intervals + fixed)


class Objective:
    """Weighted sum of named terms (see `scheduler.objective` for their definitions)."""

    def __init__(self, v: Variables):
        self.v = v
        self.terms: dict[str, cp_model.LinearExpr] = {}
        self.done: dict[str, cp_model.IntVar] = {}  # work order -> minute its last task ends
        self.late: dict[str, tuple[cp_model.IntVar, int]] = {}  # work order -> (minutes late, due)
        self.moved: dict[str, tuple[cp_model.IntVar, int]] = {}  # task -> (|start moved|, previous start)

    def add(self) -> None:
        m, p, v = self.v.model, self.v.problem, self.v
        tardiness = []
        by_wo: dict[str, list] = {}
        for task in v.tasks:
            by_wo.setdefault(task.work_order, []).append(v.end[task.id])
        for wo_id, ends in by_wo.items():
            # Minimised, so `done` settles at the last end and `late` at max(0, done - due).
            done = m.new_int_var(0, p.horizon, f"done[{wo_id}]")
            for end in ends:
                m.add(done >= end)
            self.done[wo_id] = done
            wo = p.wo_by_id[wo_id]
            if wo.due is None or wo.priority == 0:
                continue
            late = m.new_int_var(0, p.horizon, f"late[{wo_id}]")
            m.add(late >= done - wo.due)
            tardiness.append(wo.priority * late)
            self.late[wo_id] = (late, wo.due)
        moves = []
        for task in v.tasks:
            before = p.previous_by_task.get(task.id)
            if before is None:
                continue
            shift = m.new_int_var(0, p.horizon, f"moved[{task.id}]")
            m.add_abs_equality(shift, v.start[task.id] - before.start)
            moves.append(shift)
            self.moved[task.id] = (shift, before.start)
            r = p.weights.reassignment_minutes
            kept_tech = v.on_tech[task.id].get(before.technician)
            moves.append(r * (1 - kept_tech) if kept_tech is not None else r)
            if task.bay_type is not None:
                kept_bay = v.on_bay[task.id].get(before.bay)
                moves.append(r * (1 - kept_bay) if kept_bay is not None else r)
        self.terms = {"tardiness": sum(tardiness), "completion": sum(self.done.values()), "stability": sum(moves)}
        w = p.weights
        weights = {"tardiness": w.tardiness, "completion": w.completion, "stability": w.stability}
        m.minimize(sum(weights[name] * expr for name, expr in self.terms.items()))


def add_hint(v: Variables, objective: Objective, hint: dict[str, Assignment]) -> None:
    """Hint every variable the baseline determines (CP-SAT prefers complete hints)."""
    ends: dict[str, int] = {}
    for a in hint.values():
        wo = v.problem.task_by_id[a.task].work_order
        ends[wo] = max(ends.get(wo, 0), a.end)
    for wo, done in objective.done.items():
        if wo in ends:
            v.model.add_hint(done, ends[wo])
    for wo, (late, due) in objective.late.items():
        if wo in ends:
            v.model.add_hint(late, max(0, ends[wo] - due))
    for task_id, (shift, before) in objective.moved.items():
        if task_id in hint:
            v.model.add_hint(shift, abs(hint[task_id].start - before))
    for task in v.tasks:
        a = hint.get(task.id)
        if a is None:
            continue
        v.model.add_hint(v.start[task.id], a.start)
        v.model.add_hint(v.end[task.id], a.end)
        for tech, present in v.on_tech[task.id].items():
            v.model.add_hint(present, tech == a.technician)
        for pool, present in v.on_bay.get(task.id, {}).items():
            v.model.add_hint(present, pool == v.pools.key_of.get(a.bay))
