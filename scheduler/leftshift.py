"""Left-shift a solved schedule: every task starts as early as its own constraints allow,
keeping its technician, bay and order on them.

The objective only sees work-order finish times, so CP-SAT may leave a task earlier in
a work order later than it could be. Moving it earlier never worsens tardiness or
completion, and it makes each start land on a tight constraint that `explain` can name.
Tasks with a locked start stay put; a task in the previous schedule is moved only if it
ends up no further from its previous start.
"""
from scheduler.diagnose import release_time
from scheduler.greedy import resource_timelines
from scheduler.problem import Assignment, Problem


def left_shift(problem: Problem, placed: dict[str, Assignment]) -> dict[str, Assignment]:
    techs, bays = resource_timelines(problem)
    for a in placed.values():
        techs[a.technician].reserve(a.start, a.end, a.task)
        if a.bay is not None:
            bays[a.bay].reserve(a.start, a.end, a.task)
    shifted = dict(placed)
    for a in sorted(placed.values(), key=lambda a: a.start):
        task = problem.task_by_id[a.task]
        if task.lock.start is not None:
            continue
        after = max([release_time(task)] + [shifted[p].end for p in task.predecessors if p in shifted])
        start = after
        while True:  # ends by a.start at the latest: the task's own slot is free
            at_tech = techs[a.technician].earliest_fit(start, task.duration, ignore=a.task)
            at_bay = at_tech if a.bay is None else bays[a.bay].earliest_fit(at_tech, task.duration, ignore=a.task)
            start = at_bay
            if at_bay == at_tech:
                break
        before = problem.previous_by_task.get(a.task)
        if start >= a.start or (before is not None and abs(start - before.start) > abs(a.start - before.start)):
            continue
        moved = Assignment(a.task, a.technician, a.bay, start, start + task.duration)
        techs[a.technician].move(a.task, moved.start, moved.end)
        if a.bay is not None:
            bays[a.bay].move(a.task, moved.start, moved.end)
        shifted[a.task] = moved
    return shifted
