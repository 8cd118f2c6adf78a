"""What-if of a dispatcher's move: is a proposed technician, bay and/or start for one task
feasible against the current plan, what it breaks, what it would push, and the nearest
feasible slots. Pure: a `Problem` and the current placements in, a `WhatIf` out.

Feasible means the task can be put there with nothing else moving: every hard constraint
of the schedule holds afterwards for the moved task (skill, shifts, time off, bay type and
downtime, parts, dependencies both ways, no overlap on its technician and bay). The moved
task's own locks do not bind (the move replaces them); a locked task it would push does.
An unspecified technician or bay keeps the current one when that works there, else the
first eligible one that does.
"""
import bisect
import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduler.problem import NO_ETA, Assignment, Bay, Problem, Task, Technician, Window, hhmm, merge

KINDS = ("overlap", "skill", "bay_type", "shift", "time_off", "bay_downtime", "parts", "dependency", "lock", "horizon")
NEAREST = 3  # slots on the proposed technician, and slots on the others


class BadProposal(ValueError):
    """The proposal names something that does not exist or leaves the placement undefined."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Proposal:
    """Where a dispatcher wants `task`; None keeps the current value (see the module docstring)."""
    task: str
    technician: str | None = None
    bay: str | None = None
    start: int | None = None


@dataclass(frozen=True)
class Violation:
    kind: str      # one of KINDS
    message: str
    field: str     # technician_id, bay_id or start: what to change


@dataclass(frozen=True)
class Push:
    task: str
    from_start: int
    to_start: int | None  # None: it would no longer fit in the horizon

    @property
    def minutes(self) -> int | None:
        return None if self.to_start is None else self.to_start - self.from_start


@dataclass(frozen=True)
class Lateness:
    work_order: str
    before: int
    after: int


@dataclass(frozen=True)
class Slot:
    technician: str
    bay: str | None
    start: int
    end: int


@dataclass
class WhatIf:
    placement: Assignment  # the proposal with every field resolved
    violations: list[Violation] = field(default_factory=list)
    pushed: list[Push] = field(default_factory=list)
    lateness: list[Lateness] = field(default_factory=list)
    nearest: list[Slot] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations


class _Index:
    """The placements of everything but the moved task, per technician and per bay, sorted by start."""

    def __init__(self, placements: Mapping[str, Assignment], moving: str):
        self.by_tech: dict[str, list[Assignment]] = {}
        self.by_bay: dict[str, list[Assignment]] = {}
        for a in placements.values():
            if a.task == moving:
                continue
            self.by_tech.setdefault(a.technician, []).append(a)
            if a.bay is not None:
                self.by_bay.setdefault(a.bay, []).append(a)
        for rows in (*self.by_tech.values(), *self.by_bay.values()):
            rows.sort(key=lambda a: (a.start, a.task))
        self._starts = {id(rows): [a.start for a in rows] for rows in (*self.by_tech.values(), *self.by_bay.values())}

    def overlapping(self, rows: list[Assignment], start: int, end: int) -> list[Assignment]:
        if not rows:
            return []
        starts = self._starts[id(rows)]
        hits = []
        # Stretches on one resource may overlap in a stale plan, so look back over every earlier start.
        for a in rows[:bisect.bisect_left(starts, end)]:
            if a.end > start:
                hits.append(a)
        return hits


def what_if(problem: Problem, placements: Mapping[str, Assignment], proposal: Proposal,
            in_progress: frozenset[str] = frozenset()) -> WhatIf:
    """Judge `proposal` against `placements` (task id -> where it is now; tasks absent are not
    placed). `in_progress`: tasks already started (they cannot be pushed). Raises BadProposal
    for an unknown task, technician or bay, or a task without a start when none is given."""
    task = problem.task_by_id.get(proposal.task)
    if task is None:
        raise BadProposal("task_id", f"no open task {proposal.task}")
    for given, known, name in ((proposal.technician, problem.tech_by_id, "technician_id"),
                               (proposal.bay, problem.bay_by_id, "bay_id")):
        if given is not None and given not in known:
            raise BadProposal(name, f"no active {name.removesuffix('_id')} {given}")
    current = placements.get(task.id)
    start = proposal.start if proposal.start is not None else (current.start if current else task.lock.start)
    if start is None:
        raise BadProposal("start", f"'{task.name}' is not placed: give a start")
    end = start + task.duration
    index = _Index(placements, task.id)
    successors = [t for t in problem.tasks if task.id in t.predecessors]

    tech_id = proposal.technician or task.lock.technician
    tech = _choose(problem.tech_by_id.get(tech_id) if tech_id else None,
                   problem.tech_by_id.get(current.technician) if current else None,
                   problem.eligible_techs(task) or problem.technicians,
                   lambda t: _tech_violations(problem, index, task, t, start, end))
    bay_id = proposal.bay or task.lock.bay
    if task.bay_type is None and proposal.bay is None:
        bay = None
    else:
        bay = _choose(problem.bay_by_id.get(bay_id) if bay_id else None,
                      problem.bay_by_id.get(current.bay) if current and current.bay else None,
                      problem.eligible_bays(task),
                      lambda b: _bay_violations(problem, index, task, b, start, end))

    violations = []
    if task.id in in_progress:
        violations.append(Violation("lock", f"'{task.name}' is in progress", "start"))
    violations += _time_violations(problem, placements, task, successors, start, end)
    violations += _tech_violations(problem, index, task, tech, start, end) if tech else [
        Violation("skill", f"no technician has skill '{task.skill}'", "technician_id")]
    violations += _bay_violations(problem, index, task, bay, start, end)
    placement = Assignment(task.id, tech.id if tech else "", bay.id if bay else None, start, end)

    pushed = _pushes(problem, placements, index, placement)
    for push in pushed:
        moved = problem.task_by_id.get(push.task)
        if push.task in in_progress:
            violations.append(Violation("lock", f"would push '{moved.name}', which is in progress", "start"))
        elif moved is not None and moved.lock.start is not None:
            violations.append(Violation(
                "lock", f"would push '{moved.name}', locked to start {hhmm(problem, moved.lock.start)}", "start"))
    return WhatIf(placement, violations, pushed, _lateness(problem, placements, placement, pushed),
                  _nearest(problem, placements, index, task, successors, placement, proposal) if tech else [])


def _choose(given, current, candidates, problems_of):
    """The resource to judge: the given one; else the current one if it works, else the first
    candidate that works, else the current one (or the first candidate) to report on."""
    if given is not None:
        return given
    if current is not None and current in candidates and not problems_of(current):
        return current
    for candidate in candidates:
        if not problems_of(candidate):
            return candidate
    return current or (candidates[0] if candidates else None)


def _time_violations(problem: Problem, placements, task: Task, successors, start: int, end: int) -> list[Violation]:
    out = []
    if start < 0:
        out.append(Violation("horizon", f"starts {hhmm(problem, start)}, in the past", "start"))
    elif end > problem.horizon:
        out.append(Violation("horizon", f"ends {hhmm(problem, end)}, after the planning horizon", "start"))
    if task.parts_ready == NO_ETA:
        out.append(Violation("parts", "waiting on parts with no ETA", "start"))
    elif isinstance(task.parts_ready, int) and start < task.parts_ready:
        out.append(Violation("parts", f"parts arrive {hhmm(problem, task.parts_ready)}", "start"))
    for p in task.predecessors:
        pred = problem.task_by_id[p].name
        if p not in placements:
            out.append(Violation("dependency", f"depends on '{pred}', which is not scheduled", "start"))
        elif placements[p].end > start:
            out.append(Violation("dependency", f"starts before '{pred}' ends at {hhmm(problem, placements[p].end)}",
                                 "start"))
    for s in successors:
        after = placements.get(s.id)
        if after is not None and after.start < end:
            out.append(Violation("dependency", f"'{s.name}' depends on it and starts {hhmm(problem, after.start)}, "
                                               "before it would end", "start"))
    return out


def _tech_violations(problem: Problem, index: _Index, task: Task, tech: Technician,
                     start: int, end: int) -> list[Violation]:
    out = []
    if task.skill is not None and task.skill not in tech.skills:
        out.append(Violation("skill", f"{tech.name} lacks skill '{task.skill}'", "technician_id"))
    off = [w for w in tech.time_off if w.start < end and start < w.end]
    for w in off:
        out.append(Violation("time_off", f"{tech.name} is off {hhmm(problem, w.start)}-{hhmm(problem, w.end)}",
                             "start"))
    if tech.availability is not None and not any(w.contains(start, end) for w in tech.availability):
        # With time off counted as working time, does it fit a shift? Then time off alone is the reason.
        worked = merge([*tech.availability, *tech.time_off])
        if not off or not any(w.contains(start, end) for w in worked):
            out.append(Violation("shift", f"{hhmm(problem, start)}-{hhmm(problem, end)} is outside "
                                          f"{tech.name}'s shifts", "start"))
    for a in index.overlapping(index.by_tech.get(tech.id, []), start, end):
        out.append(Violation("overlap", f"overlaps '{_name(problem, a.task)}' on {tech.name} "
                                        f"{hhmm(problem, a.start)}-{hhmm(problem, a.end)}", "technician_id"))
    return out


def _bay_violations(problem: Problem, index: _Index, task: Task, bay: Bay | None,
                    start: int, end: int) -> list[Violation]:
    if task.bay_type is None:
        return [] if bay is None else [Violation("bay_type", f"'{task.name}' needs no bay", "bay_id")]
    if bay is None:
        return [Violation("bay_type", f"needs a '{task.bay_type}' bay and the shop has none", "bay_id")]
    out = []
    if bay.type != task.bay_type:
        out.append(Violation("bay_type", f"{bay.name} is a '{bay.type}' bay; '{task.name}' needs a "
                                         f"'{task.bay_type}' bay", "bay_id"))
    for w in bay.downtime:
        if w.start < end and start < w.end:
            out.append(Violation("bay_downtime", f"{bay.name} is down {hhmm(problem, w.start)}-{hhmm(problem, w.end)}",
                                 "start"))
    for a in index.overlapping(index.by_bay.get(bay.id, []), start, end):
        out.append(Violation("overlap", f"overlaps '{_name(problem, a.task)}' in {bay.name} "
                                        f"{hhmm(problem, a.start)}-{hhmm(problem, a.end)}", "bay_id"))
    return out


def _name(problem: Problem, task_id: str) -> str:
    task = problem.task_by_id.get(task_id)
    return task.name if task else task_id


def _pushes(problem: Problem, placements, index: _Index, moved: Assignment) -> list[Push]:
    """The tasks that move right if `moved` is forced in: each resource keeps its order (what
    overlaps or follows the moved task goes after it), dependencies hold, and a pushed task
    goes to the earliest start its technician's windows and its bay's uptime allow."""
    after: dict[str, list[str]] = {}  # task -> tasks that must start after it ends
    indegree: dict[str, int] = {tid: 0 for tid in placements if tid != moved.task}

    def edge(a: str, b: str) -> None:
        after.setdefault(a, []).append(b)
        indegree[b] += 1

    def chain(rows: list[Assignment], resource_of_moved: bool) -> None:
        order = [a.task for a in rows]
        if resource_of_moved:
            before = [a.task for a in rows if a.end <= moved.start]
            order = before + [moved.task] + [a.task for a in rows if a.end > moved.start]
        for a, b in zip(order, order[1:]):
            if b != moved.task:
                edge(a, b)

    for tech, rows in index.by_tech.items():
        chain(rows, tech == moved.technician)
    for bay, rows in index.by_bay.items():
        chain(rows, bay == moved.bay)
    for t in problem.tasks:
        if t.id in indegree:
            for p in t.predecessors:
                if p in placements or p == moved.task:
                    edge(p, t.id)

    new_end = {moved.task: moved.end}
    new_start: dict[str, int | None] = {}
    ready = [tid for tid, n in indegree.items() if n == 0]
    heads = [moved.task, *ready]
    bounds: dict[str, int] = {}
    for tid in heads:
        _settle(problem, placements, tid, bounds, new_start, new_end, moved)
    queue = list(heads)
    while queue:
        tid = queue.pop()
        # Only what the move changes pushes: a conflict the plan already had is not the move's doing.
        changed = tid == moved.task or new_start[tid] != placements[tid].start
        for nxt in after.get(tid, ()):
            if changed:
                end = new_end.get(tid)
                bounds[nxt] = max(bounds.get(nxt, placements[nxt].start),
                                  end if end is not None else problem.horizon + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                _settle(problem, placements, nxt, bounds, new_start, new_end, moved)
                queue.append(nxt)
    pushes = [Push(tid, placements[tid].start, s) for tid, s in new_start.items()
              if tid != moved.task and s != placements[tid].start]
    return sorted(pushes, key=lambda p: (p.from_start, p.task))


def _settle(problem: Problem, placements, tid: str, bounds, new_start, new_end, moved: Assignment) -> None:
    """Fix `tid`'s new start from its bound (its old start when nothing pushes it)."""
    if tid == moved.task:
        new_start[tid] = moved.start
        return
    a = placements[tid]
    bound = bounds.get(tid, a.start)
    if bound <= a.start:
        new_start[tid], new_end[tid] = a.start, a.end
        return
    start = _earliest_fit(problem, a, bound)
    new_start[tid] = start
    new_end[tid] = None if start is None else start + (a.end - a.start)


def _earliest_fit(problem: Problem, a: Assignment, bound: int) -> int | None:
    """The earliest start >= bound where `a`'s duration fits one window of its technician and of its bay."""
    duration = a.end - a.start
    tech = problem.tech_by_id.get(a.technician)
    bay = problem.bay_by_id.get(a.bay) if a.bay else None
    lists = [problem.available(tech) if tech else (Window(0, problem.horizon),)]
    if bay is not None:
        lists.append(problem.bay_open(bay))
    start = bound
    while start + duration <= problem.horizon:
        moved = False
        for windows in lists:
            fit = _fit_in(windows, start, duration)
            if fit is None:
                return None
            if fit != start:
                start, moved = fit, True
        if not moved:
            return start
    return None


def _fit_in(windows: tuple[Window, ...], start: int, duration: int) -> int | None:
    """The earliest s >= start with [s, s + duration) inside one of `windows` (sorted, disjoint)."""
    at = max(0, bisect.bisect_right([w.start for w in windows], start) - 1)
    for w in windows[at:]:
        s = max(start, w.start)
        if s + duration <= w.end:
            return s
    return None


def _lateness(problem: Problem, placements, moved: Assignment, pushed: list[Push]) -> list[Lateness]:
    """Each work order the move touches: minutes its last placed task ends past its due time, before and after."""
    new = {p.task: p for p in pushed}
    touched = {problem.task_by_id[moved.task].work_order} | {
        problem.task_by_id[p.task].work_order for p in pushed if p.task in problem.task_by_id}
    of_order: dict[str, list[Task]] = {wo_id: [] for wo_id in touched}
    for t in problem.tasks:
        if t.work_order in of_order:
            of_order[t.work_order].append(t)
    out = []
    for wo_id in sorted(touched):
        wo = problem.wo_by_id.get(wo_id)
        tasks = of_order[wo_id]
        before_end = max((placements[t.id].end for t in tasks if t.id in placements), default=None)
        ends = []
        for t in tasks:
            if t.id == moved.task:
                ends.append(moved.end)
            elif t.id in new:
                p, a = new[t.id], placements[t.id]
                ends.append(problem.horizon if p.to_start is None else p.to_start + (a.end - a.start))
            elif t.id in placements:
                ends.append(placements[t.id].end)
        due = wo.due if wo else None

        def late(end):
            return 0 if due is None or end is None else max(0, end - due)
        out.append(Lateness(wo_id, late(before_end), late(max(ends, default=None))))
    return out


def _nearest(problem: Problem, placements, index: _Index, task: Task, successors, placement: Assignment,
             proposal: Proposal) -> list[Slot]:
    """Up to NEAREST feasible slots on the placement's technician and NEAREST on others (one per
    technician), nearest to the proposed start first."""
    if task.parts_ready == NO_ETA or any(p not in placements for p in task.predecessors):
        return []
    low = max([0, task.parts_ready if isinstance(task.parts_ready, int) else 0,
               *(placements[p].end for p in task.predecessors)])
    high = min([problem.horizon, *(placements[s.id].start for s in successors if s.id in placements)])
    if task.bay_type is None:
        bays = [None]
    elif proposal.bay is not None and problem.bay_by_id[proposal.bay].type == task.bay_type:
        bays = [problem.bay_by_id[proposal.bay]]
    else:  # the resolved bay first, so a tie keeps it
        eligible = problem.eligible_bays(task)
        bays = sorted(eligible, key=lambda b: b.id != placement.bay)
    bay_free = {b.id: _free(problem.bay_open(b), index.by_bay.get(b.id, [])) for b in bays if b is not None}
    target = placement.start

    def slots(tech: Technician) -> list[tuple[int, int, Slot]]:
        free = _free(problem.available(tech), index.by_tech.get(tech.id, []))
        found = []
        for rank, bay in enumerate(bays):
            stretches = free if bay is None else _intersect(free, bay_free[bay.id])
            for w in stretches:
                first, last = max(w.start, low), min(w.end, high) - task.duration
                if first > last:
                    continue
                s = min(max(target, first), last)
                found.append((abs(s - target), rank, Slot(tech.id, bay.id if bay else None, s, s + task.duration)))
        return found

    own = problem.tech_by_id.get(placement.technician)
    chosen: list[Slot] = []
    if own is not None and (task.skill is None or task.skill in own.skills):
        best: dict[int, tuple] = {}  # one slot per start: the best-ranked bay
        for item in slots(own):
            if item[2].start not in best or item[:2] < best[item[2].start][:2]:
                best[item[2].start] = item
        chosen += [item[2] for item in heapq.nsmallest(NEAREST, best.values(), key=lambda i: (i[0], i[2].start, i[1]))]
    others = []
    for tech in problem.eligible_techs(task):
        if tech.id != placement.technician:
            found = slots(tech)
            if found:
                others.append(min(found, key=lambda i: (i[0], i[2].start, i[1])) + (tech.name,))
    chosen += [item[2] for item in heapq.nsmallest(NEAREST, others, key=lambda i: (i[0], i[2].start, i[3]))]
    return chosen


def _free(windows: tuple[Window, ...], busy: list[Assignment]) -> list[Window]:
    """`windows` minus the busy stretches (both sorted by start)."""
    out, i = [], 0
    for w in windows:
        cursor = w.start
        while i < len(busy) and busy[i].end <= w.start:
            i += 1
        j = i
        while j < len(busy) and busy[j].start < w.end:
            if busy[j].start > cursor:
                out.append(Window(cursor, busy[j].start))
            cursor = max(cursor, busy[j].end)
            j += 1
        if cursor < w.end:
            out.append(Window(cursor, w.end))
    return out


def _intersect(a: list[Window], b: list[Window]) -> list[Window]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i].start, b[j].start), min(a[i].end, b[j].end)
        if s < e:
            out.append(Window(s, e))
        if a[i].end < b[j].end:
            i += 1
        else:
            j += 1
    return out
