"""The local search's hot loop in plain Python against numpy (prints figures; not a test).

    .venv/bin/python bench/scheduler_hot_loop.py [--rounds 3]

The hot loop is `SequenceSchedule.evaluate`: for each move, the tasks downstream of the edit
are re-decoded, each asking its technician's and bay's windows for the earliest fit. The
benchmark replays the same random moves on the 200- and 1,000-task benchmark shops with the
windows searched by `bisect` (the package's code) and by `numpy.searchsorted` (a variant
defined here), interleaved round by round, and prints evaluations per second.
"""
import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler import sequence  # noqa: E402
from scheduler.diagnose import diagnose  # noqa: E402
from scheduler.generate import generate  # noqa: E402
from scheduler.greedy import atc_schedule  # noqa: E402
from scheduler.sequence import SequenceSchedule, insert, swap  # noqa: E402

SHOPS = {200: (12, 8, 2), 1000: (40, 25, 3)}
MOVES = 3000


class NumpyWindows(sequence.Windows):
    """The same earliest fit with the windows in numpy arrays."""

    def __init__(self, windows):
        super().__init__(windows)
        self.starts_np = np.array(self.starts, dtype=np.int64)
        self.ends_np = np.array(self.ends, dtype=np.int64)
        self.long_enough: dict[int, np.ndarray] = {}

    def fit(self, after: int, duration: int) -> int | None:
        i = int(np.searchsorted(self.starts_np, after, side="right")) - 1
        if i >= 0 and after + duration <= self.ends_np[i]:
            return after
        if duration not in self.long_enough:
            self.long_enough[duration] = np.flatnonzero(self.ends_np - self.starts_np >= duration)
        candidates = self.long_enough[duration]
        j = int(np.searchsorted(candidates, i + 1))
        return int(self.starts_np[candidates[j]]) if j < len(candidates) else None


def moves(schedule: SequenceSchedule, rng: random.Random) -> list:
    out = []
    placed = list(schedule.start)
    while len(out) < MOVES:
        t = rng.choice(placed)
        if rng.random() < 0.6:
            tech = rng.choice(schedule.techs_for[t])
            seq = [x for x in schedule.tech_seq[tech] if x != t]
            change = insert(schedule, t, tech, rng.randint(0, len(seq)))
        else:
            change = swap(schedule, t, rng.choice(placed))
        if change is not None:
            out.append(change)
    return out


def rate(schedule: SequenceSchedule, changes: list) -> float:
    began = time.perf_counter()
    for change in changes:
        schedule.evaluate(change)
    return len(changes) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for tasks, (techs, bays, seed) in SHOPS.items():
        problem = generate(tasks, techs, bays, seed)
        todo = [t for t in problem.tasks if t.id not in {d.task for d in diagnose(problem)}]
        start = atc_schedule(problem, todo)
        plain = SequenceSchedule(problem, todo)
        plain.load(start)
        with_numpy = SequenceSchedule(problem, todo)
        with_numpy.tech_windows = {k: NumpyWindows([w for w in problem.available(problem.tech_by_id[k])])
                                   for k in with_numpy.tech_windows}
        with_numpy.bay_windows = {k: NumpyWindows(problem.bay_open(problem.bay_by_id[k])) for k in with_numpy.bay_windows}
        with_numpy.load(start)
        changes = moves(plain, random.Random(seed))
        assert all(plain.evaluate(c) == with_numpy.evaluate(c) for c in changes[:300])
        print(f"{tasks} tasks: evaluations per second (same {MOVES} moves)")
        for r in range(args.rounds):
            print(f"  round {r + 1}: plain Python {rate(plain, changes):8.0f}   numpy {rate(with_numpy, changes):8.0f}")


if __name__ == "__main__":
    main()
