"""Interchangeable bays, modelled as one pool instead of one alternative each.

Bays of the same type with the same downtime that no lock and no previous assignment
names are interchangeable: which one a task gets changes neither feasibility nor the
objective. The model then needs one optional interval per (task, pool) in a cumulative
of capacity = pool size, instead of one per (task, bay) in a NoOverlap each. That removes
the symmetric choices (k! equivalent schedules) the search would otherwise wander
through, and most of the optional intervals. It is exact: at most k tasks of a pool at
any time can always be spread over its k bays (interval graphs are perfect), which
`assign` does after solving, in start order.
"""
from scheduler.problem import Assignment, Bay, Problem


class BayPools:
    """Pools keyed by their first bay's id; a bay that cannot be pooled is a pool of one
    under its own id, so the model's bay keys stay bay ids wherever one is named."""

    def __init__(self, problem: Problem, pooled: bool = True):
        named = {t.lock.bay for t in problem.tasks} | {a.bay for a in problem.previous}
        groups: dict[tuple, list[Bay]] = {}
        for bay in problem.bays:
            same = (bay.type, bay.downtime) if pooled and bay.id not in named else ("own", bay.id)
            groups.setdefault(same, []).append(bay)
        self.members: dict[str, tuple[Bay, ...]] = {g[0].id: tuple(g) for g in groups.values()}
        self.key_of: dict[str, str] = {b.id: key for key, bays in self.members.items() for b in bays}

    def size(self, key: str) -> int:
        return len(self.members[key])

    def assign(self, placed: dict[str, Assignment]) -> dict[str, Assignment]:
        """Replace each pool key by one of its bays: in start order, a bay free at the start."""
        out = dict(placed)
        free_at = {b.id: 0 for bays in self.members.values() for b in bays}
        for a in sorted(placed.values(), key=lambda a: (a.start, a.task)):
            if a.bay is None or self.size(a.bay) == 1:
                continue
            bay = next(b.id for b in self.members[a.bay] if free_at[b.id] <= a.start)
            free_at[bay] = a.end
            out[a.task] = Assignment(a.task, a.technician, bay, a.start, a.end)
        return out
