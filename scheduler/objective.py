"""The objective's named terms, evaluated on a finished schedule (greedy baseline, checks).

The CP-SAT model (`model.Objective`) builds the same terms as expressions.
    tardiness  = sum over work orders of priority * minutes its last task ends past due
    completion = sum over work orders of the minute its last task ends (finish work early)
    stability  = sum over tasks in the previous schedule of |start moved| in minutes,
                 plus `reassignment_minutes` per change of technician and per change of bay
"""
from scheduler.problem import Assignment, Problem
from scheduler.result import Term

TERMS = ("tardiness", "completion", "stability")


def finish(problem: Problem, placed: dict[str, Assignment]) -> dict[str, int]:
    """Minute each work order's last scheduled task ends."""
    ends: dict[str, int] = {}
    for a in placed.values():
        wo = problem.task_by_id[a.task].work_order
        ends[wo] = max(ends.get(wo, 0), a.end)
    return ends


def lateness(problem: Problem, placed: dict[str, Assignment]) -> dict[str, int]:
    """Minutes each work order (with a due date and a scheduled task) finishes late."""
    ends = finish(problem, placed)
    return {wo: max(0, end - problem.wo_by_id[wo].due) for wo, end in ends.items()
            if problem.wo_by_id[wo].due is not None}


def evaluate(problem: Problem, placed: dict[str, Assignment]) -> dict[str, Term]:
    w = problem.weights
    tardiness = sum(problem.wo_by_id[wo].priority * late for wo, late in lateness(problem, placed).items())
    completion = sum(finish(problem, placed).values())
    stability = 0
    for a in placed.values():
        before = problem.previous_by_task.get(a.task)
        if before is not None:
            stability += abs(a.start - before.start)
            stability += w.reassignment_minutes * ((a.technician != before.technician) + (a.bay != before.bay))
    return {"tardiness": Term(tardiness, w.tardiness), "completion": Term(completion, w.completion),
            "stability": Term(stability, w.stability)}


def work_order_costs(problem: Problem, placed: dict[str, Assignment]) -> dict[str, int]:
    """Each work order's share of the tardiness and completion terms, weighted."""
    w, late = problem.weights, lateness(problem, placed)
    return {wo: w.completion * end + w.tardiness * problem.wo_by_id[wo].priority * late.get(wo, 0)
            for wo, end in finish(problem, placed).items()}


def total(terms: dict[str, Term]) -> int:
    return sum(t.weighted for t in terms.values())
