"""A schedule as task sequences on technicians and bays, and the exact incremental move evaluator.

Each placed task has a technician, at most one bay, and a position in the sequence of each.
Its start is the earliest minute at or after its parts, its floor (`Shift`), the ends of its
dependencies and of the tasks before it on its technician and its bay, at which the
technician is available and the bay is open for its whole duration (a locked start must be
exactly that reachable minute or later and fit). Starts are therefore decoded from the
sequences: a move edits sequences, and `evaluate` recomputes only the tasks downstream of
the edit (in the graph of dependencies and sequence order), rejecting a move that makes a
cycle, breaks a lock or runs past the horizon. Its verdict and cost change equal a full
`decode` of the edited schedule.

Cost (`Cost`): first the unplaced work, priority x minutes per unplaced task, then the
objective of `scheduler.objective` (tardiness, completion, stability), so no lateness of
placed work can outweigh placing more.
"""
import bisect
from dataclasses import dataclass, field

from scheduler.diagnose import candidate_bays, candidate_techs, release_time
from scheduler.problem import Assignment, Problem, Task


class Windows:
    """Sorted disjoint open windows of one resource, and the earliest fit in them."""

    __slots__ = ("starts", "ends")

    def __init__(self, windows):
        self.starts = [w.start for w in windows]
        self.ends = [w.end for w in windows]

    def fit(self, after: int, duration: int) -> int | None:
        """Earliest start >= `after` of `duration` minutes inside one window."""
        i = bisect.bisect_right(self.starts, after) - 1
        if i >= 0 and after + duration <= self.ends[i]:
            return after
        for j in range(i + 1, len(self.starts)):
            if self.ends[j] - self.starts[j] >= duration:
                return self.starts[j]
        return None

    def holds(self, start: int, duration: int) -> bool:
        return self.fit(start, duration) == start


@dataclass
class Change:
    """An edit of the schedule: new sequences for some resources, new technician and bay of
    some tasks, tasks taken out, new floors. Built by the move constructors below."""
    tech_seqs: dict[str, list[str]] = field(default_factory=dict)
    bay_seqs: dict[str, list[str]] = field(default_factory=dict)
    assign: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    unplace: set[str] = field(default_factory=set)
    floors: dict[str, int] = field(default_factory=dict)


@dataclass
class Verdict:
    """What a change would do: `feasible`, and if so the cost change and the new starts."""
    feasible: bool
    delta_unplaced: int = 0
    delta_cost: int = 0
    starts: dict[str, int] = field(default_factory=dict)

    def better(self) -> bool:
        return self.feasible and (self.delta_unplaced, self.delta_cost) < (0, 0)


class SequenceSchedule:
    """The schedule of `tasks` (a Problem's tasks minus those diagnosed unschedulable). Tasks in
    `fixed` keep its start, technician and bay (as if locked): only the others move."""

    def __init__(self, problem: Problem, tasks: list[Task], fixed: dict[str, Assignment] | None = None):
        self.problem = problem
        self.tasks = {t.id: t for t in tasks}
        w = problem.weights
        self.w_tardiness, self.w_completion, self.w_stability = w.tardiness, w.completion, w.stability
        self.reassign = w.reassignment_minutes
        self.duration = {t.id: t.duration for t in tasks}
        self.release = {t.id: release_time(t) for t in tasks}
        self.lock_start = {t.id: t.lock.start for t in tasks if t.lock.start is not None}
        self.preds = {t.id: tuple(p for p in t.predecessors if p in self.tasks) for t in tasks}
        self.succs: dict[str, list[str]] = {t: [] for t in self.tasks}
        for t, ps in self.preds.items():
            for p in ps:
                self.succs[p].append(t)
        self.techs_for = {t.id: [x.id for x in candidate_techs(problem, t)] for t in tasks}
        self.bays_for = {t.id: [b.id for b in candidate_bays(problem, t)] for t in tasks}
        for a in (fixed or {}).values():
            self.lock_start[a.task], self.techs_for[a.task] = a.start, [a.technician]
            self.bays_for[a.task] = [a.bay] if a.bay is not None else []
        self.tech_windows = {x.id: Windows(problem.available(x)) for x in problem.technicians}
        self.bay_windows = {b.id: Windows(problem.bay_open(b)) for b in problem.bays}
        self.wo_of = {t.id: t.work_order for t in tasks}
        self.wo_tasks: dict[str, list[str]] = {}
        for t in tasks:
            self.wo_tasks.setdefault(t.work_order, []).append(t.id)
        self.weight = {t.id: problem.wo_by_id[t.work_order].priority * t.duration for t in tasks}
        self.tech_seq: dict[str, list[str]] = {x.id: [] for x in problem.technicians}
        self.bay_seq: dict[str, list[str]] = {b.id: [] for b in problem.bays}
        self.tech_of: dict[str, str] = {}
        self.bay_of: dict[str, str | None] = {}
        self.start: dict[str, int] = {}
        self.floor: dict[str, int] = {}
        self.unplaced = sum(self.weight.values())  # priority x minutes of the tasks not placed
        self.cost = 0  # the objective of the placed tasks

    # -- reading -------------------------------------------------------------------------
    def placed(self) -> dict[str, Assignment]:
        return {t: Assignment(t, self.tech_of[t], self.bay_of[t], s, s + self.duration[t])
                for t, s in self.start.items()}

    def key(self) -> tuple[int, int]:
        """(unplaced work, objective): lower is better, compared in that order."""
        return self.unplaced, self.cost

    # -- building ------------------------------------------------------------------------
    def load(self, placed: dict[str, Assignment]) -> bool:
        """Take the sequences of a feasible placement (each resource's tasks in start order)
        and decode them; False (and an empty schedule) if the decode is infeasible."""
        for seq in (*self.tech_seq.values(), *self.bay_seq.values()):
            seq.clear()
        self.tech_of, self.bay_of, self.start, self.floor = {}, {}, {}, {}
        for a in sorted(placed.values(), key=lambda a: (a.start, a.task)):
            self.tech_of[a.task], self.bay_of[a.task] = a.technician, a.bay
            self.tech_seq[a.technician].append(a.task)
            if a.bay is not None:
                self.bay_seq[a.bay].append(a.task)
            if a.task in self.problem.previous_by_task:
                self.floor[a.task] = a.start  # a start kept for stability stays where it was found
        starts = self.decode()
        if starts is None:
            self.tech_of, self.bay_of, self.floor = {}, {}, {}
            for seq in (*self.tech_seq.values(), *self.bay_seq.values()):
                seq.clear()
            starts = {}
        self.start = starts
        self.unplaced, self.cost = self.full_cost(starts)
        return bool(starts) or not placed

    def decode(self) -> dict[str, int] | None:
        """Every placed task's start from scratch (None: a cycle, a broken lock or the horizon)."""
        nodes = list(self.tech_of)
        return self._propagate(nodes, set(nodes), {}, {}, self.tech_of, set(), self.floor)

    def full_cost(self, starts: dict[str, int]) -> tuple[int, int]:
        """(unplaced work, objective) of a placement given by its starts, computed from scratch."""
        unplaced = sum(w for t, w in self.weight.items() if t not in starts)
        cost = sum(self._wo_cost(wo, starts) for wo in self.wo_tasks)
        cost += sum(self._move_cost(t, starts[t], self.tech_of[t], self.bay_of[t]) for t in starts)
        return unplaced, cost

    # -- the evaluator -------------------------------------------------------------------
    def evaluate(self, change: Change) -> Verdict:
        """The verdict of `change` against the current schedule (nothing is modified)."""
        tech_of = {t: a[0] for t, a in change.assign.items()}
        bay_of = {t: a[1] for t, a in change.assign.items()}
        placed_after = lambda t: (t in self.tech_of or t in tech_of) and t not in change.unplace  # noqa: E731
        for t in change.assign:
            if any(not placed_after(p) for p in self.preds[t]):
                return Verdict(False)
        for t in change.unplace:
            if any(placed_after(s) for s in self.succs[t]):
                return Verdict(False)
        dirty: set[str] = set(change.assign) | set(change.floors)
        for seqs, current in ((change.tech_seqs, self.tech_seq), (change.bay_seqs, self.bay_seq)):
            for r, seq in seqs.items():
                old = current[r]
                # A task whose predecessor on this resource changed is dirty.
                before = {t: (old[i - 1] if i else None) for i, t in enumerate(old)}
                for i, t in enumerate(seq):
                    if before.get(t, "?") != (seq[i - 1] if i else None):
                        dirty.add(t)
        for t in change.unplace:
            dirty.update(s for s in self.succs[t])
        dirty = {t for t in dirty if placed_after(t)}
        region = self._downstream(dirty, change, tech_of, bay_of)
        starts = self._propagate(list(region), region, change.tech_seqs, change.bay_seqs,
                                 {**self.tech_of, **tech_of}, change.unplace, {**self.floor, **change.floors},
                                 bay_of={**self.bay_of, **bay_of})
        if starts is None:
            return Verdict(False)
        delta_unplaced = sum(self.weight[t] for t in change.unplace if t in self.start)
        delta_unplaced -= sum(self.weight[t] for t in change.assign if t not in self.start)
        new_start = lambda t: None if t in change.unplace else starts.get(t, self.start.get(t))  # noqa: E731
        touched = {t for t, s in starts.items() if s != self.start.get(t)} | set(change.unplace) | set(change.assign)
        delta = 0
        for wo in {self.wo_of[t] for t in touched}:
            delta += self._wo_cost_of(wo, new_start) - self._wo_cost(wo, self.start)
        for t in touched:
            if t in self.start:
                delta -= self._move_cost(t, self.start[t], self.tech_of[t], self.bay_of[t])
            s = new_start(t)
            if s is not None:
                delta += self._move_cost(t, s, tech_of.get(t, self.tech_of.get(t)),
                                         bay_of[t] if t in bay_of else self.bay_of.get(t))
        return Verdict(True, delta_unplaced, delta, starts)

    def commit(self, change: Change, verdict: Verdict) -> None:
        """Apply a feasible change with its verdict from `evaluate`."""
        for t in change.unplace:
            del self.tech_of[t], self.bay_of[t], self.start[t]
            self.floor.pop(t, None)
        for t, (tech, bay) in change.assign.items():
            self.tech_of[t], self.bay_of[t] = tech, bay
        self.tech_seq.update({r: list(s) for r, s in change.tech_seqs.items()})
        self.bay_seq.update({r: list(s) for r, s in change.bay_seqs.items()})
        self.floor.update(change.floors)
        self.start.update(verdict.starts)
        self.unplaced += verdict.delta_unplaced
        self.cost += verdict.delta_cost

    # -- internals -----------------------------------------------------------------------
    def _neighbours(self, t, tech_seqs, bay_seqs, tech_of, bay_of):
        """(technician sequence, bay sequence) of `t` under a change."""
        tech = tech_of.get(t)
        bay = bay_of.get(t)
        tseq = tech_seqs.get(tech) if tech in tech_seqs else self.tech_seq.get(tech, ())
        bseq = None if bay is None else (bay_seqs[bay] if bay in bay_seqs else self.bay_seq[bay])
        return tseq, bseq

    def _downstream(self, dirty, change, tech_of, bay_of) -> set[str]:
        """`dirty` and every task after them (dependencies, sequence order) under `change`."""
        all_tech = {**self.tech_of, **tech_of}
        all_bay = {**self.bay_of, **bay_of}
        index: dict[tuple[str, str], dict[str, int]] = {}

        def nxt(seq_key, seq, t):
            if seq_key not in index:
                index[seq_key] = {x: i for i, x in enumerate(seq)}
            i = index[seq_key][t] + 1
            return seq[i] if i < len(seq) else None

        region, stack = set(), list(dirty)
        while stack:
            t = stack.pop()
            if t in region or t in change.unplace:
                continue
            region.add(t)
            if t in self.lock_start:
                continue  # its start cannot change, so nothing after it moves through it
            tseq, bseq = self._neighbours(t, change.tech_seqs, change.bay_seqs, all_tech, all_bay)
            after = [s for s in self.succs[t] if s in all_tech and s not in change.unplace]
            n = nxt(("t", all_tech[t]), tseq, t)
            if n is not None:
                after.append(n)
            if bseq is not None:
                n = nxt(("b", all_bay[t]), bseq, t)
                if n is not None:
                    after.append(n)
            stack.extend(s for s in after if s not in region)
        return region

    def _propagate(self, nodes, region, tech_seqs, bay_seqs, tech_of, unplace, floor, bay_of=None):
        """Starts of `region` (Kahn's order within it; the rest keep theirs); None if infeasible."""
        tech_of = tech_of or self.tech_of
        bay_of = bay_of if bay_of is not None else self.bay_of
        index: dict[tuple[str, str], dict[str, int]] = {}

        def prev(seq_key, seq, t):
            if seq_key not in index:
                index[seq_key] = {x: i for i, x in enumerate(seq)}
            i = index[seq_key][t]
            return seq[i - 1] if i else None

        before: dict[str, list[str]] = {}
        waiting: dict[str, int] = {}
        after: dict[str, list[str]] = {t: [] for t in region}
        for t in region:
            tseq, bseq = self._neighbours(t, tech_seqs, bay_seqs, tech_of, bay_of)
            ps = [p for p in self.preds[t] if p not in unplace]
            p = prev(("t", tech_of[t]), tseq, t)
            if p is not None:
                ps.append(p)
            if bseq is not None:
                p = prev(("b", bay_of[t]), bseq, t)
                if p is not None:
                    ps.append(p)
            before[t] = ps
            inside = [p for p in ps if p in region]
            waiting[t] = len(inside)
            for p in inside:
                after[p].append(t)
        ready = [t for t in region if waiting[t] == 0]
        starts: dict[str, int] = {}
        while ready:
            t = ready.pop()
            lb = max(self.release[t], floor.get(t, 0))
            for p in before[t]:
                s = starts[p] if p in starts else self.start[p]
                lb = max(lb, s + self.duration[p])
            s = self._fit(t, lb, tech_of[t], bay_of[t])
            if s is None:
                return None
            starts[t] = s
            for n in after[t]:
                waiting[n] -= 1
                if waiting[n] == 0:
                    ready.append(n)
        return starts if len(starts) == len(region) else None

    def _fit(self, t: str, lb: int, tech: str, bay: str | None) -> int | None:
        d = self.duration[t]
        locked = self.lock_start.get(t)
        tw = self.tech_windows[tech]
        bw = None if bay is None else self.bay_windows[bay]
        if locked is not None:
            ok = lb <= locked and tw.holds(locked, d) and (bw is None or bw.holds(locked, d))
            return locked if ok else None
        at = lb
        while True:
            s = tw.fit(at, d)
            if s is None or bw is None:
                return s
            b = bw.fit(s, d)
            if b is None or b == s:
                return b
            at = b

    def _wo_cost(self, wo: str, starts: dict[str, int]) -> int:
        return self._wo_cost_of(wo, starts.get)

    def _wo_cost_of(self, wo: str, start_of) -> int:
        """The work order's weighted completion and tardiness (0 with none of its tasks placed)."""
        finish = None
        for t in self.wo_tasks[wo]:
            s = start_of(t)
            if s is not None and (finish is None or s + self.duration[t] > finish):
                finish = s + self.duration[t]
        if finish is None:
            return 0
        order = self.problem.wo_by_id[wo]
        late = 0 if order.due is None else max(0, finish - order.due)
        return self.w_completion * finish + self.w_tardiness * order.priority * late

    def _move_cost(self, t: str, start: int, tech: str, bay: str | None) -> int:
        before = self.problem.previous_by_task.get(t)
        if before is None or not self.w_stability:
            return 0
        moved = abs(start - before.start) + self.reassign * ((tech != before.technician) + (bay != before.bay))
        return self.w_stability * moved


# -- moves: each returns a Change (or None when the move does not apply) ----------------------

def insert(s: SequenceSchedule, t: str, tech: str, index: int, bay: str | None = None,
           bay_index: int | None = None) -> Change | None:
    """`t` (placed or not) at `index` of `tech`'s sequence (after taking it out of its own), on
    `bay` (default: its bay, or its first eligible bay) at `bay_index` (default: by start)."""
    if tech not in s.techs_for[t]:
        return None
    if s.bays_for[t]:
        bay = bay if bay is not None else (s.bay_of.get(t) or s.bays_for[t][0])
        if bay not in s.bays_for[t]:
            return None
    else:
        bay = None
    change = Change(assign={t: (tech, bay)})
    old_tech = s.tech_of.get(t)
    seq = [x for x in s.tech_seq[tech] if x != t]
    if not 0 <= index <= len(seq):
        return None
    seq.insert(index, t)
    change.tech_seqs[tech] = seq
    if old_tech is not None and old_tech != tech:
        change.tech_seqs[old_tech] = [x for x in s.tech_seq[old_tech] if x != t]
    old_bay = s.bay_of.get(t)
    if bay is not None:
        bseq = [x for x in s.bay_seq[bay] if x != t]
        if bay_index is None:
            estimate = s.start[seq[index + 1]] if index + 1 < len(seq) else (
                s.start[seq[index - 1]] + s.duration[seq[index - 1]] if index else 0)
            bay_index = bisect.bisect_left([s.start[x] for x in bseq], estimate)
        bseq.insert(bay_index, t)
        change.bay_seqs[bay] = bseq
    if old_bay is not None and old_bay != bay:
        change.bay_seqs[old_bay] = [x for x in s.bay_seq[old_bay] if x != t]
    if t in s.floor:
        change.floors[t] = 0
    return change


def swap(s: SequenceSchedule, a: str, b: str) -> Change | None:
    """`a` and `b` (both placed) trade places on their technicians' sequences, and on their bays'
    when they need the same bay type."""
    ta, tb = s.tech_of[a], s.tech_of[b]
    if a == b or tb not in s.techs_for[a] or ta not in s.techs_for[b]:
        return None
    ba, bb = s.bay_of[a], s.bay_of[b]
    if (ba is None) != (bb is None) or (ba is not None and (bb not in s.bays_for[a] or ba not in s.bays_for[b])):
        ba_new, bb_new = ba, bb
    else:
        ba_new, bb_new = bb, ba
    change = Change(assign={a: (tb, ba_new), b: (ta, bb_new)})
    for seqs, current, x, y in ((change.tech_seqs, s.tech_seq, ta, tb), (change.bay_seqs, s.bay_seq, ba, bb)):
        if x is None or (seqs is change.bay_seqs and ba_new == ba):
            continue
        for r in {x, y}:
            seqs[r] = [b if z == a else a if z == b else z for z in current[r]]
    for t in (a, b):
        if t in s.floor:
            change.floors[t] = 0
    return change


def shift(s: SequenceSchedule, t: str, start: int) -> Change:
    """`t` not before `start` (its floor): within its slack, nothing else moves."""
    return Change(floors={t: start})


def unplace(s: SequenceSchedule, t: str) -> Change:
    """`t` out of the schedule."""
    change = Change(unplace={t})
    change.tech_seqs[s.tech_of[t]] = [x for x in s.tech_seq[s.tech_of[t]] if x != t]
    if s.bay_of[t] is not None:
        change.bay_seqs[s.bay_of[t]] = [x for x in s.bay_seq[s.bay_of[t]] if x != t]
    return change
