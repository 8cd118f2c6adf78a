"""The CP-SAT model, in three parts: Variables, Constraints, Objective.

One optional interval per (task, eligible technician) and per (task, eligible bay pool,
see `pools.py`); exactly one of each is present. Technician and bay unavailability are
fixed intervals in the same NoOverlap (Cumulative for a pool of several bays), so a task
never spans a gap in availability.

The model may cover only some tasks, the others `fixed` where a schedule put them (the
neighbourhoods of `lns.py`): fixed tasks then occupy their technician and bay, bound the
starts of their successors and the ends of their predecessors, and count in their work
order's finish.
"""
from ortools.sat.python import cp_model

from scheduler.diagnose import candidate_bays, candidate_techs, release_time
from scheduler.pools import BayPools
from scheduler.problem import Assignment, Problem, Task, Window, complement, subtract


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
    a lock may be dropped. `on_bay` and `bay_intervals` are keyed by pool (`pools.key_of`),
    and so are the bays of `fixed` assignments (tasks not in `tasks`, kept where they are)."""

    def __init__(self, model: cp_model.CpModel, problem: Problem, tasks: list[Task], soft_locks: bool = False,
                 fixed: dict[str, Assignment] | None = None, pools: BayPools | None = None):
        self.model, self.problem, self.tasks, self.soft_locks = model, problem, tasks, soft_locks
        self.pools = pools or BayPools(problem, pooled=not soft_locks)
        self.fixed = fixed or {}
        self.lock_kept: list[tuple[str, str, cp_model.IntVar]] = []  # (task, field, kept)
        self.tech_taken: dict[str, list[Window]] = {}  # technician -> windows of its fixed tasks
        self.pool_taken: dict[str, list[Window]] = {}  # pool -> windows of its fixed tasks
        self.latest_end: dict[str, int] = {}  # task -> start of its earliest fixed successor
        for a in self.fixed.values():
            self.tech_taken.setdefault(a.technician, []).append(Window(a.start, a.end))
            if a.bay is not None:
                self.pool_taken.setdefault(a.bay, []).append(Window(a.start, a.end))
            for pred in problem.task_by_id[a.task].predecessors:
                self.latest_end[pred] = min(self.latest_end.get(pred, problem.horizon), a.start)
        self._tech_free: dict[str, tuple[Window, ...]] = {}
        self._pool_free: dict[str, tuple[Window, ...]] = {}
        self.start: dict[str, cp_model.IntVar] = {}
        self.end: dict[str, cp_model.IntVar] = {}
        self.on_tech: dict[str, dict[str, cp_model.IntVar]] = {}  # task -> tech -> presence
        self.on_bay: dict[str, dict[str, cp_model.IntVar]] = {}
        self.tech_intervals: dict[str, list] = {t.id: [] for t in problem.technicians}
        self.bay_intervals: dict[str, list] = {key: [] for key in self.pools.members}
        for task in tasks:
            self._add_task(task)

    def tech_free(self, tech) -> tuple[Window, ...]:
        """The technician's working windows minus the fixed tasks on them."""
        if tech.id not in self._tech_free:
            taken = self.tech_taken.get(tech.id)
            available = self.problem.available(tech)
            self._tech_free[tech.id] = subtract(available, taken) if taken else available
        return self._tech_free[tech.id]

    def _tech_starts(self, techs, release: int, duration: int, latest: int) -> dict[str, list[list[int]]]:
        """Each technician's ranges of start minutes, for those with any; worked out once per
        tuple of free windows, which technicians without fixed tasks share (`Problem.available`)."""
        of_windows: dict[int, list[list[int]]] = {}
        out = {}
        for tech in techs:
            free = self.tech_free(tech)
            if id(free) not in of_windows:
                of_windows[id(free)] = start_windows(free, release, duration, latest)
            if of_windows[id(free)]:
                out[tech.id] = of_windows[id(free)]
        return out

    def bay_free(self, bay) -> tuple[Window, ...]:
        """The bay's open windows, minus its fixed tasks when it is a pool of its own (a larger
        pool has room left beside a fixed task: its Cumulative counts them)."""
        key = self.pools.key_of[bay.id]
        if key not in self._pool_free:
            taken, open_ = self.pool_taken.get(key), self.problem.bay_open(bay)
            self._pool_free[key] = subtract(open_, taken) if taken and self.pools.size(key) == 1 else open_
        return self._pool_free[key]

    def _add_task(self, task: Task) -> None:
        p, m = self.problem, self.model
        release = max([release_time(task)] + [self.fixed[q].end for q in task.predecessors if q in self.fixed])
        latest = self.latest_end.get(task.id, p.horizon)
        techs = p.eligible_techs(task) if self.soft_locks else candidate_techs(p, task)
        bays = p.eligible_bays(task) if self.soft_locks else candidate_bays(p, task)
        tech_starts = self._tech_starts(techs, release, task.duration, latest)
        bay_starts = {self.pools.key_of[b.id]: start_windows(self.bay_free(b), release, task.duration, latest)
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
            if v.tech_intervals[tech.id]:
                self._resource(v.tech_intervals[tech.id], complement(v.tech_free(tech), p.horizon), f"off[{tech.id}]")
        for key, bays in v.pools.members.items():
            if not v.bay_intervals[key]:
                continue
            if len(bays) == 1:
                self._resource(v.bay_intervals[key], complement(v.bay_free(bays[0]), p.horizon), f"down[{key}]")
            else:
                self._resource(v.bay_intervals[key], bays[0].downtime, f"down[{key}]", capacity=len(bays),
                               taken=v.pool_taken.get(key, ()))

    def _resource(self, intervals, blocked: tuple[Window, ...], name: str, capacity: int = 1, taken=()) -> None:
        """At most `capacity` of `intervals` at once, none during `blocked`, one fewer during each of `taken`."""
        m, horizon = self.v.model, self.v.problem.horizon
        blocked = [m.new_fixed_size_interval_var(w.start, w.length, name) for w in blocked
                   if w.end > 0 and w.start < horizon]
        if capacity > 1:
            taken = [m.new_fixed_size_interval_var(w.start, w.length, f"taken[{name}]") for w in taken]
            m.add_cumulative(intervals + blocked + taken,
                             [1] * len(intervals) + [capacity] * len(blocked) + [1] * len(taken), capacity)
        elif len(intervals) + len(blocked) > 1:
            m.add_no_overlap(intervals + blocked)


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
        floor: dict[str, int] = {}  # work order -> end of its last fixed task
        for a in v.fixed.values():
            wo = p.task_by_id[a.task].work_order
            floor[wo] = max(floor.get(wo, 0), a.end)
        self.done, self.late = work_order_finish(m, p, v.tasks, v.end, floor)
        tardiness = [p.wo_by_id[wo].priority * late for wo, (late, _) in self.late.items()]
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


def work_order_finish(m: cp_model.CpModel, problem: Problem, tasks: list[Task], end: dict[str, cp_model.IntVar],
                      floor: dict[str, int] | None = None) -> tuple[dict, dict]:
    """Per work order of `tasks`: `done`, at least each task's `end` (and its `floor`), and for
    those with a due date and a priority, `late` (with the due date), at least done - due.
    Minimised, they settle at the last end and at max(0, done - due)."""
    floor = floor or {}
    ends_of: dict[str, list] = {}
    for task in tasks:
        ends_of.setdefault(task.work_order, []).append(end[task.id])
    done: dict[str, cp_model.IntVar] = {}
    late: dict[str, tuple[cp_model.IntVar, int]] = {}
    for wo_id, ends in ends_of.items():
        done[wo_id] = m.new_int_var(floor.get(wo_id, 0), problem.horizon, f"done[{wo_id}]")
        for e in ends:
            m.add(done[wo_id] >= e)
        wo = problem.wo_by_id[wo_id]
        if wo.due is not None and wo.priority:
            late[wo_id] = (m.new_int_var(0, problem.horizon, f"late[{wo_id}]"), wo.due)
            m.add(late[wo_id][0] >= done[wo_id] - wo.due)
    return done, late


def add_hint(v: Variables, objective: Objective, hint: dict[str, Assignment]) -> None:
    """Hint every variable `hint` determines (CP-SAT prefers complete hints)."""
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


def read_solution(solver: cp_model.CpSolver, v: Variables) -> dict[str, Assignment]:
    """The solved placement of the model's tasks, with bay pool keys where a task went to a pool."""
    placed = {}
    for task in v.tasks:
        tech = next(k for k, x in v.on_tech[task.id].items() if solver.boolean_value(x))
        bay = next((k for k, x in v.on_bay.get(task.id, {}).items() if solver.boolean_value(x)), None)
        start = solver.value(v.start[task.id])
        placed[task.id] = Assignment(task.id, tech, bay, start, start + task.duration)
    return placed
