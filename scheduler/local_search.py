"""Improve a schedule by local search over sequence moves (`sequence.py`), with perturbation.

`improve` descends (first improvement) through each task's neighbourhood: insert it at
nearby positions of its technician's sequence or of another eligible technician's, swap it
with a neighbour, move it to another eligible bay, bring back a shifted start, or place it
if it is not placed. Tasks are visited costliest work order first. At a local optimum it
perturbs the best schedule (a few random insertions in late or costly work orders) and
descends again, keeping the result if it is no worse (iterated local search).

Warm start and partial re-optimisation: `start` is any feasible placement (a previous
schedule, a construction), `free` limits the moves to those tasks, all others keep their
start, technician and bay.
"""
import bisect
import random
import time
from dataclasses import dataclass

from scheduler.greedy import earliest_slot, resource_timelines
from scheduler.problem import Assignment, Problem, Task
from scheduler.sequence import SequenceSchedule, insert, shift, swap

REACH = 6  # positions either side a task is tried at on its own technician, in sequences longer than
WHOLE_SEQUENCE = 60  # (up to this length every position is tried)
OTHER_REACH = 2  # positions either side of its start on another technician
KICKS = 3  # random insertions per perturbation
PATIENCE = 40  # perturbations in a row without a better schedule before the search stops


@dataclass
class Stats:
    """What a search did: moves evaluated and kept, perturbations, improvements of the best."""
    evaluated: int = 0
    kept: int = 0
    kicks: int = 0
    improved: int = 0


def improve(problem: Problem, tasks: list[Task], start: dict[str, Assignment], deadline: float,
            seed: int = 0, free: set[str] | None = None, perturb: bool = True
            ) -> tuple[dict[str, Assignment], Stats]:
    """The best placement found from `start` (feasible, of `tasks`) until `time.perf_counter()`
    reaches `deadline`; never worse than `start`. With `free`, only those tasks move."""
    fixed = None if free is None else {t: a for t, a in start.items() if t not in free}
    schedule = SequenceSchedule(problem, tasks, fixed)
    if not schedule.load(start):
        raise ValueError("the start schedule breaks a hard constraint")
    search = _Search(schedule, random.Random(seed), deadline, free)
    search.run(perturb)
    return search.best, search.stats


def fill_gaps(problem: Problem, tasks: list[Task], placed: dict[str, Assignment]) -> dict[str, Assignment]:
    """`placed` (feasible, of `tasks`) with every unplaced task that fits in a free gap placed there."""
    schedule = SequenceSchedule(problem, tasks)
    if not schedule.load(placed):
        raise ValueError("the schedule breaks a hard constraint")
    search = _Search(schedule, random.Random(0), float("inf"), None)
    search.fill()
    return schedule.placed() if schedule.key() < search.best_key else placed


class _Search:
    def __init__(self, s: SequenceSchedule, rng: random.Random, deadline: float, free: set[str] | None):
        self.s, self.rng, self.deadline = s, rng, deadline
        self.movable = [t for t in s.tasks if free is None or t in free]
        self.best, self.best_key = s.placed(), s.key()
        self.best_floor = dict(s.floor)
        self.stats = Stats()

    def out_of_time(self) -> bool:
        return time.perf_counter() >= self.deadline

    def run(self, perturb: bool) -> None:
        idle = 0
        while not self.out_of_time() and idle < PATIENCE:
            self.fill()
            self.descend()
            if self.s.key() < self.best_key:
                self.best, self.best_key, self.best_floor = self.s.placed(), self.s.key(), dict(self.s.floor)
                self.stats.improved += 1
                idle = 0
            else:
                idle += 1
                if self.s.key() > self.best_key:
                    self._restore()
            if not perturb or not self.movable:
                return
            self.kick()

    def _restore(self) -> None:
        self.s.load(self.best)
        self.s.floor = dict(self.best_floor)

    def fill(self) -> None:
        """Place unplaced tasks (most important first, each after its predecessors) where a
        technician and a bay are both free for them, without moving anything."""
        s = self.s
        todo = [t for t in self.movable if t not in s.start]
        if not todo:
            return
        techs, bays = self._timelines()
        progress = True
        while progress and not self.out_of_time():
            progress = False
            for t in sorted(todo, key=lambda t: -s.weight[t]):
                if t in s.start or any(p not in s.start for p in s.preds[t]):
                    continue
                earliest = max([s.release[t]] + [s.start[p] + s.duration[p] for p in s.preds[t]])
                slot = earliest_slot(s.problem, s.problem.task_by_id[t], earliest, techs, bays)
                if slot is None:
                    continue
                at, tech, bay = slot
                index = bisect.bisect_left([s.start[x] for x in s.tech_seq[tech]], at)
                bay_index = None if bay is None else bisect.bisect_left([s.start[x] for x in s.bay_seq[bay]], at)
                change = insert(s, t, tech, index, bay=bay, bay_index=bay_index)
                if change is None:
                    continue
                self.stats.evaluated += 1
                verdict = s.evaluate(change)
                if verdict.feasible and verdict.delta_unplaced < 0:
                    s.commit(change, verdict)
                    self.stats.kept += 1
                    progress = True
                    if set(verdict.starts) == {t}:
                        techs[tech].reserve(s.start[t], s.start[t] + s.duration[t], t)
                        if bay is not None:
                            bays[bay].reserve(s.start[t], s.start[t] + s.duration[t], t)
                    else:  # others moved too (a left shift): read the timelines again
                        techs, bays = self._timelines()

    def _timelines(self):
        """Technician and bay timelines of the current schedule."""
        s = self.s
        techs, bays = resource_timelines(s.problem)
        for a in s.placed().values():
            techs[a.technician].reserve(a.start, a.end, a.task)
            if a.bay is not None:
                bays[a.bay].reserve(a.start, a.end, a.task)
        return techs, bays

    def descend(self) -> None:
        """First-improvement descent until a pass over the tasks keeps no move."""
        improved = True
        while improved and not self.out_of_time():
            improved = False
            for t in self.order():
                if self.out_of_time():
                    return
                for change in self.neighbourhood(t):
                    self.stats.evaluated += 1
                    verdict = self.s.evaluate(change)
                    if verdict.better():
                        self.s.commit(change, verdict)
                        self.stats.kept += 1
                        improved = True
                        break

    def order(self) -> list[str]:
        """Movable tasks: unplaced ones first, then by their work order's cost (with noise)."""
        s = self.s
        cost = {wo: s._wo_cost(wo, s.start) for wo in s.wo_tasks}
        return sorted(self.movable, key=lambda t: (t in s.start, -cost[s.wo_of[t]] * self.rng.uniform(0.8, 1.2)))

    def neighbourhood(self, t: str):
        s = self.s
        if t not in s.start:
            yield from self._placements(t)
            return
        tech = s.tech_of[t]
        seq = s.tech_seq[tech]
        i = seq.index(t)
        reach = len(seq) if len(seq) <= WHOLE_SEQUENCE else REACH
        for j in sorted(range(max(0, i - reach), min(len(seq), i + reach + 1)), key=lambda j: (j > i, abs(j - i))):
            if j != i:
                change = insert(s, t, tech, j)
                if change is not None:
                    yield change
        for j in (i - 1, i + 1, i - 2):
            if 0 <= j < len(seq):
                change = swap(s, t, seq[j])
                if change is not None:
                    yield change
        for other in s.techs_for[t]:
            if other == tech:
                continue
            others = s.tech_seq[other]
            p = bisect.bisect_left([s.start[x] for x in others], s.start[t])
            for j in range(max(0, p - OTHER_REACH), min(len(others), p + OTHER_REACH) + 1):
                change = insert(s, t, other, j)
                if change is not None:
                    yield change
        for bay in s.bays_for[t]:
            if bay != s.bay_of[t]:
                change = insert(s, t, tech, i, bay=bay)
                if change is not None:
                    yield change
        if s.floor.get(t):
            yield shift(s, t, 0)
        before = s.problem.previous_by_task.get(t)
        if before is not None and s.start[t] != before.start:
            yield shift(s, t, before.start)

    def _placements(self, t: str):
        """An unplaced task at the end of, or at its earliest in, each eligible sequence."""
        s = self.s
        earliest = max([s.release[t]] + [s.start[p] + s.duration[p] for p in s.preds[t] if p in s.start])
        for tech in s.techs_for[t]:
            seq = s.tech_seq[tech]
            p = bisect.bisect_left([s.start[x] for x in seq], earliest)
            for j in sorted({len(seq), p}):
                change = insert(s, t, tech, j)
                if change is not None:
                    yield change

    def kick(self) -> None:
        """A few random feasible insertions of tasks of costly work orders."""
        s = self.s
        placed = [t for t in self.movable if t in s.start]
        if not placed:
            return
        self.stats.kicks += 1
        cost = {wo: 1 + s._wo_cost(wo, s.start) for wo in s.wo_tasks}
        for _ in range(KICKS):
            t = self.rng.choices(placed, weights=[cost[s.wo_of[x]] for x in placed])[0]
            tech = self.rng.choice(s.techs_for[t])
            seq = s.tech_seq[tech]
            here = seq.index(t) if t in seq else bisect.bisect_left([s.start[x] for x in seq], s.start[t])
            j = max(0, min(len(seq) - (t in seq), here + self.rng.randint(-REACH, REACH)))
            change = insert(s, t, tech, j)
            if change is not None:
                verdict = s.evaluate(change)
                if verdict.feasible and verdict.delta_unplaced <= 0:
                    s.commit(change, verdict)
