"""Each task where it could go with the shop to itself, and the lower bound that gives.

A task starts at the first moment, after its parts and its predecessors' such ends, at which
an eligible technician and an eligible bay are both available in an otherwise empty shop. No
schedule ends a task earlier, so the objective of these placements (stability at 0) bounds
every schedule's from below. CP-SAT reports its own bound for a large model only once its
search ends; the solver's watcher needs one sooner (`solver._Progress`).
"""
from scheduler import objective
from scheduler.diagnose import release_time
from scheduler.greedy import earliest_slot, resource_timelines
from scheduler.problem import Assignment, Problem, Task


def earliest_placements(problem: Problem, tasks: list[Task]) -> dict[str, Assignment]:
    """Each of `tasks` at its earliest start in an empty shop, after its predecessors among
    `tasks` (a task that fits nowhere is left out, and so are the tasks after it)."""
    techs, bays = resource_timelines(problem)
    ids = {t.id for t in tasks}
    waiting = {t.id: sum(1 for p in t.predecessors if p in ids) for t in tasks}
    after: dict[str, list[Task]] = {}
    for task in tasks:
        for pred in task.predecessors:
            after.setdefault(pred, []).append(task)
    ready = [t for t in tasks if waiting[t.id] == 0]
    placed: dict[str, Assignment] = {}
    while ready:
        task = ready.pop()
        start = max([release_time(task)] + [placed[p].end for p in task.predecessors if p in ids])
        slot = earliest_slot(problem, task, start, techs, bays)
        if slot is None:
            continue
        placed[task.id] = Assignment(task.id, slot[1], slot[2], slot[0], slot[0] + task.duration)
        for successor in after.get(task.id, ()):
            waiting[successor.id] -= 1
            if waiting[successor.id] == 0:
                ready.append(successor)
    return placed


def lower_bound(problem: Problem, tasks: list[Task]) -> int:
    """The tardiness and completion terms, weighted, of `earliest_placements`."""
    return sum(objective.work_order_costs(problem, earliest_placements(problem, tasks)).values())
