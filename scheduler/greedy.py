"""Constructive schedules under the same hard constraints: the baseline and the engine's start.

`greedy_schedule` (earliest due date) is the baseline in benchmarks: tasks go in
dependency order, most urgent work order first, each on the technician (and bay) that
finishes it earliest. `atc_schedule` places, among the tasks that can start earliest, the
one with the highest apparent tardiness cost (weight, remaining work, slack). In both,
tasks whose start is locked are placed first, and a task that fits nowhere in the horizon
is left out (with the tasks after it).
"""
import heapq
import math
import time

from scheduler.diagnose import candidate_bays, candidate_techs, release_time
from scheduler.problem import Assignment, Problem, Task
from scheduler.timeline import Timeline


def resource_timelines(problem: Problem) -> tuple[dict[str, Timeline], dict[str, Timeline]]:
    techs = {t.id: Timeline.of_windows(problem.horizon, problem.available(t)) for t in problem.technicians}
    bays = {b.id: Timeline(problem.horizon, b.downtime) for b in problem.bays}
    return techs, bays


def earliest_slot(problem: Problem, task: Task, after: int, techs: dict, bays: dict):
    """(start, technician, bay) of the earliest joint free slot, or None.

    From a moment on, each eligible technician's and bay's earliest fit: where the soonest of
    each agree, both are free; otherwise nothing fits both before the later of the two, so
    look again from there. This costs technicians + bays fits per round, not one per pair.
    Ties: the technician whose own fit from `after` is soonest (then the lowest id), then the
    lowest bay id among bays whose own fit from `after` is no later than the later of that
    technician's and the soonest bay's.
    """
    tech_fits = _fits(techs, [t.id for t in candidate_techs(problem, task)], after, task.duration)
    if not task.bay_type:
        return min(((f, t, None) for t, f in tech_fits.items()), default=None)
    bay_fits = _fits(bays, [b.id for b in candidate_bays(problem, task)], after, task.duration)
    first_tech, first_bay = tech_fits, bay_fits
    while tech_fits and bay_fits:
        soonest_tech, soonest_bay = min(tech_fits.values()), min(bay_fits.values())
        at = max(soonest_tech, soonest_bay)
        if soonest_tech < at:
            tech_fits = _refit(techs, tech_fits, at, task.duration)
        if soonest_bay < at:
            bay_fits = _refit(bays, bay_fits, at, task.duration)
        free_techs = [t for t, f in tech_fits.items() if f == at]
        free_bays = [b for b, f in bay_fits.items() if f == at]
        if free_techs and free_bays:
            tech = min(free_techs, key=lambda t: (first_tech[t], t))
            level = max(first_tech[tech], min(first_bay[b] for b in free_bays))
            return at, tech, min(b for b in free_bays if first_bay[b] <= level)
    return None


def _fits(timelines: dict, ids: list[str], after: int, duration: int) -> dict[str, int]:
    """Each resource's earliest start >= `after`, for those with one."""
    fits = {key: timelines[key].earliest_fit(after, duration) for key in ids}
    return {key: f for key, f in fits.items() if f is not None}


def _refit(timelines: dict, fits: dict[str, int], at: int, duration: int) -> dict[str, int]:
    """`fits` moved on to `at`: a fit at or after `at` stands, the others are looked up again."""
    moved = {}
    for key, fit in fits.items():
        fit = fit if fit >= at else timelines[key].earliest_fit(at, duration)
        if fit is not None:
            moved[key] = fit
    return moved


class _Builder:
    """Resource timelines and the assignments made so far."""

    def __init__(self, problem: Problem, tasks: list[Task]):
        self.problem, self.tasks = problem, tasks
        self.techs, self.bays = resource_timelines(problem)
        self.placed: dict[str, Assignment] = {}
        self.ids = {t.id for t in tasks}
        self.waiting = {t.id: sum(1 for p in t.predecessors if p in self.ids) for t in tasks}
        self.successors: dict[str, list[Task]] = {}
        for t in tasks:
            for p in t.predecessors:
                self.successors.setdefault(p, []).append(t)
        for task in tasks:
            if task.lock.start is not None:
                slot = earliest_slot(problem, task, task.lock.start, self.techs, self.bays)
                if slot is not None and slot[0] == task.lock.start:
                    self.put(task, *slot)

    def put(self, task: Task, start: int, tech: str, bay: str | None) -> None:
        self.placed[task.id] = Assignment(task.id, tech, bay, start, start + task.duration)
        self.techs[tech].reserve(start, start + task.duration, task.id)
        if bay is not None:
            self.bays[bay].reserve(start, start + task.duration, task.id)

    def slot(self, task: Task):
        """Earliest (start, technician, bay) after parts and placed predecessors; None when
        the task is locked, placed, after an unplaced predecessor, or fits nowhere."""
        if task.id in self.placed or task.lock.start is not None or any(
                p not in self.placed for p in task.predecessors if p in self.ids):
            return None
        after = max([release_time(task)] + [self.placed[p].end for p in task.predecessors if p in self.ids])
        slot = earliest_slot(self.problem, task, after, self.techs, self.bays)
        # A successor placed already (its start is locked) must not start before this ends.
        latest = min((self.placed[s.id].start for s in self.successors.get(task.id, ()) if s.id in self.placed),
                     default=None)
        return None if slot is None or (latest is not None and slot[0] + task.duration > latest) else slot

    def released(self, task: Task) -> list[Task]:
        """Successors whose last predecessor is `task`."""
        out = []
        for s in self.successors.get(task.id, []):
            self.waiting[s.id] -= 1
            if self.waiting[s.id] == 0:
                out.append(s)
        return out

    def urgency(self, task: Task) -> tuple:
        wo = self.problem.wo_by_id[task.work_order]
        return (wo.due if wo.due is not None else self.problem.horizon, -wo.priority)


def greedy_schedule(problem: Problem, tasks: list[Task]) -> dict[str, Assignment]:
    """Earliest due date first. Assignments for the tasks it could place (a task it cannot
    place takes its successors with it)."""
    b = _Builder(problem, tasks)
    sequence = {t.id: i for i, t in enumerate(tasks)}
    ready = [(b.urgency(t), sequence[t.id], t) for t in tasks if b.waiting[t.id] == 0]
    heapq.heapify(ready)
    while ready:
        _, _, task = heapq.heappop(ready)
        slot = b.slot(task)
        if slot is not None:
            b.put(task, *slot)
        for s in b.released(task):
            heapq.heappush(ready, (b.urgency(s), sequence[s.id], s))
    return b.placed


def atc_schedule(problem: Problem, tasks: list[Task], k: float = 10.0, deadline: float | None = None
                 ) -> dict[str, Assignment] | None:
    """Apparent tardiness cost dispatch: among the tasks that can start earliest, the one whose
    work order has the highest index (weight / its remaining work) x exp(-slack / (k x mean
    task length)), its weight being the objective's per minute of finishing later (completion,
    plus tardiness x priority once late). A queued task's start only grows as resources fill,
    so a popped task is re-evaluated and queued again if it no longer comes first. Tasks that
    fit nowhere are left out with their successors. None once `time.perf_counter()` passes
    `deadline` or the pace so far says it will."""
    b = _Builder(problem, tasks)
    w = problem.weights
    sequence = {t.id: i for i, t in enumerate(tasks)}
    scale = k * max(1.0, sum(t.duration for t in tasks) / max(1, len(tasks)))
    remaining: dict[str, int] = {}
    for t in tasks:
        if t.id not in b.placed:
            remaining[t.work_order] = remaining.get(t.work_order, 0) + t.duration

    def index(task: Task, at: int) -> float:
        wo = problem.wo_by_id[task.work_order]
        work = max(1, remaining[task.work_order])
        if wo.due is None:
            return w.completion / work
        slack = max(0, wo.due - at - work)
        return (w.completion + w.tardiness * wo.priority * math.exp(-slack / scale)) / work

    queue = []

    def push(task: Task, slot) -> None:
        if slot is not None:
            heapq.heappush(queue, (slot[0], -index(task, slot[0]), sequence[task.id], task))

    def release(done: Task) -> None:
        stack = [done]
        while stack:
            for s in b.released(stack.pop()):
                slot = b.slot(s)
                push(s, slot)
                if slot is None:  # locked (placed already) or unplaceable: its successors follow
                    stack.append(s)

    for task in tasks:
        if b.waiting[task.id] == 0:
            slot = b.slot(task)
            push(task, slot)
            if slot is None:
                release(task)
    begun = time.perf_counter()
    while queue:
        if deadline is not None:
            now, done = time.perf_counter(), len(b.placed)
            if now > deadline or (done and now + (now - begun) * (len(tasks) - done) / done > deadline):
                return None
        start, _, _, task = heapq.heappop(queue)
        slot = b.slot(task)
        if slot is not None and slot[0] > start:
            push(task, slot)
            continue
        if slot is not None:
            b.put(task, *slot)
            remaining[task.work_order] -= task.duration
        release(task)
    return b.placed
