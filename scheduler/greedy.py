"""The baseline: earliest-due-date list scheduling under the same hard constraints.

Used as the solver's first hint and as the comparison in benchmarks. Tasks whose start
is locked are placed first; the rest go in dependency order, most urgent work order
first, each on the technician (and bay) that finishes it earliest.
"""
import heapq

from scheduler.diagnose import candidate_bays, candidate_techs, release_time
from scheduler.problem import Assignment, Problem, Task
from scheduler.timeline import Timeline


def resource_timelines(problem: Problem) -> tuple[dict[str, Timeline], dict[str, Timeline]]:
    techs = {t.id: Timeline.of_windows(problem.horizon, problem.available(t)) for t in problem.technicians}
    bays = {b.id: Timeline(problem.horizon, b.downtime) for b in problem.bays}
    return techs, bays


def earliest_slot(problem: Problem, task: Task, after: int, techs: dict, bays: dict):
    """(start, technician, bay) of the earliest joint free slot, or None.

    Pairs are tried in order of the later of their separate earliest fits, a lower
    bound on their joint start, stopping once that bound cannot beat the best pair.
    """
    tech_fits = [(techs[t.id].earliest_fit(after, task.duration), t.id) for t in candidate_techs(problem, task)]
    tech_fits = [(f, t) for f, t in tech_fits if f is not None]
    if not task.bay_type:
        return min(((f, t, None) for f, t in tech_fits), default=None)
    bay_fits = [(bays[b.id].earliest_fit(after, task.duration), b.id) for b in candidate_bays(problem, task)]
    bay_fits = [(f, b) for f, b in bay_fits if f is not None]
    pairs = sorted((max(tf, bf), tf, t, b) for tf, t in tech_fits for bf, b in bay_fits)
    best, memo = None, {}

    def fit(timelines, key, after):
        slot = (timelines is techs, key, after)  # a technician and a bay may share an id
        if slot not in memo:
            memo[slot] = timelines[key].earliest_fit(after, task.duration)
        return memo[slot]

    for bound, _, tech, bay in pairs:
        if best is not None and bound >= best[0]:
            break
        start = bound
        while start is not None:
            at_tech = fit(techs, tech, start)
            start = None if at_tech is None else fit(bays, bay, at_tech)
            if start == at_tech:
                break
        if start is not None and (best is None or start < best[0]):
            best = (start, tech, bay)
    return best


def greedy_schedule(problem: Problem, tasks: list[Task]) -> dict[str, Assignment]:
    """Assignments for the tasks it could place (a task it cannot place takes its successors with it)."""
    techs, bays = resource_timelines(problem)
    placed: dict[str, Assignment] = {}
    ids = {t.id for t in tasks}

    def put(task: Task, start: int, tech: str, bay: str | None):
        placed[task.id] = Assignment(task.id, tech, bay, start, start + task.duration)
        techs[tech].reserve(start, start + task.duration, task.id)
        if bay is not None:
            bays[bay].reserve(start, start + task.duration, task.id)

    for task in tasks:
        if task.lock.start is not None:
            slot = earliest_slot(problem, task, task.lock.start, techs, bays)
            if slot is not None and slot[0] == task.lock.start:
                put(task, *slot)

    order = {wo.id: (wo.due if wo.due is not None else problem.horizon, -wo.priority) for wo in problem.work_orders}
    waiting = {t.id: sum(1 for p in t.predecessors if p in ids) for t in tasks}
    successors: dict[str, list[Task]] = {}
    for t in tasks:
        for p in t.predecessors:
            successors.setdefault(p, []).append(t)
    ready = [(order[t.work_order], i, t) for i, t in enumerate(tasks) if waiting[t.id] == 0]
    heapq.heapify(ready)
    sequence = {t.id: i for i, t in enumerate(tasks)}
    while ready:
        _, _, task = heapq.heappop(ready)
        if task.id not in placed and task.lock.start is None and all(p in placed for p in task.predecessors if p in ids):
            after = max([release_time(task)] + [placed[p].end for p in task.predecessors if p in ids])
            slot = earliest_slot(problem, task, after, techs, bays)
            if slot is not None:
                put(task, *slot)
        for s in successors.get(task.id, []):
            waiting[s.id] -= 1
            if waiting[s.id] == 0:
                heapq.heappush(ready, (order[s.work_order], sequence[s.id], s))
    return placed
