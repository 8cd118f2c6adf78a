"""Busy intervals of one technician or bay, and the earliest slot that fits a task."""
import bisect

from scheduler.problem import Window


class Timeline:
    """Disjoint busy stretches (start, end, task or None for unavailability), sorted by start."""

    def __init__(self, horizon: int, blocked=()):
        self.horizon = horizon
        self.busy: list[tuple[int, int, str | None]] = sorted((w.start, w.end, None) for w in blocked)
        self.starts = [b[0] for b in self.busy]  # kept in step with `busy`, for bisect
        # earliest_fit answers until the next change: a greedy schedule asks every resource
        # again for each task it re-evaluates, and most have not changed since.
        self._fits: dict[tuple[int, int, str | None], int | None] = {}

    @classmethod
    def of_windows(cls, horizon: int, open_windows) -> "Timeline":
        """A timeline busy everywhere outside `open_windows`."""
        blocked, cursor = [], 0
        for w in open_windows:
            if w.start > cursor:
                blocked.append(Window(cursor, w.start))
            cursor = max(cursor, w.end)
        if cursor < horizon:
            blocked.append(Window(cursor, horizon))
        return cls(horizon, blocked)

    def reserve(self, start: int, end: int, task: str | None) -> None:
        self._fits.clear()
        at = bisect.bisect_right(self.starts, start)
        self.busy.insert(at, (start, end, task))
        self.starts.insert(at, start)

    def move(self, task: str, start: int, end: int) -> None:
        at = next(i for i, b in enumerate(self.busy) if b[2] == task)
        del self.busy[at], self.starts[at]
        self.reserve(start, end, task)

    def earliest_fit(self, after: int, duration: int, ignore: str | None = None) -> int | None:
        """Earliest start >= `after` of a free stretch of `duration` minutes (None: none in the horizon)."""
        key = (after, duration, ignore)
        if key not in self._fits:
            self._fits[key] = self._earliest_fit(after, duration, ignore)
        return self._fits[key]

    def _earliest_fit(self, after: int, duration: int, ignore: str | None) -> int | None:
        candidate = after
        # Busy stretches are disjoint, so only the last one starting at or before `after` can cover it.
        for i in range(max(0, bisect.bisect_right(self.starts, after) - 1), len(self.busy)):
            start, end, task = self.busy[i]
            if end <= candidate or (ignore is not None and task == ignore):
                continue
            if start >= candidate + duration:
                break
            candidate = end
        return candidate if candidate + duration <= self.horizon else None

    def ending_at(self, minute: int, ignore: str | None = None) -> list[str | None]:
        """Tasks (None: unavailability) whose busy stretch ends exactly at `minute`."""
        return [task for _, end, task in self.busy if end == minute and (task is None or task != ignore)]
