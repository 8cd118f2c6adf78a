"""The pure scheduling problem: every time is an integer minute counted from the horizon start.

Nothing here knows about JSON, SQL or CP-SAT; `scenario.py` and `pipelines.schedule_run`
build a `Problem`, `solver.py` turns it into a `Result`.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Window:
    """A half-open interval [start, end) of minutes."""
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Window") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


@dataclass(frozen=True)
class Technician:
    id: str
    name: str
    skills: frozenset[str]
    # Shifts minus time off, sorted and disjoint; `None` means the whole horizon.
    availability: tuple[Window, ...] | None = None
    # Kept only to tell "back from time off" from "shift starts" in explanations.
    time_off: tuple[Window, ...] = ()


@dataclass(frozen=True)
class Bay:
    id: str
    name: str
    type: str
    downtime: tuple[Window, ...] = ()


@dataclass(frozen=True)
class WorkOrder:
    id: str
    due: int | None  # minute; None: no due date
    priority: int = 1  # weight of each minute of lateness


@dataclass(frozen=True)
class Lock:
    """Fields a dispatcher pinned; `None` leaves the field to the solver."""
    start: int | None = None
    technician: str | None = None
    bay: str | None = None


NO_ETA = "no_eta"


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    work_order: str
    duration: int
    skill: str | None  # None: any technician
    bay_type: str | None = None
    parts_ready: int | None | str = None  # minute, None (no parts needed/in stock) or NO_ETA
    predecessors: tuple[str, ...] = ()
    lock: Lock = field(default_factory=Lock)


@dataclass(frozen=True)
class Assignment:
    """One task placed on a technician (and bay) — a previous schedule or a solution."""
    task: str
    technician: str
    bay: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Change:
    """One thing that changed since the previous schedule, and the items it concerns (a
    re-optimization frees the schedule around them, `reoptimize.py`)."""
    reason: str  # for people: "'Replace pads' running 60 min over", "Ana's time off"
    tasks: frozenset[str] = frozenset()
    technicians: frozenset[str] = frozenset()
    bays: frozenset[str] = frozenset()
    work_orders: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Weights:
    """Objective weights, each multiplying one named term (see README)."""
    tardiness: int = 10
    completion: int = 1
    stability: int = 5
    # Minutes of "move" a change of technician or bay counts for in the stability term.
    reassignment_minutes: int = 60


@dataclass
class Problem:
    horizon_start: datetime
    horizon: int  # length in minutes
    technicians: list[Technician]
    bays: list[Bay]
    work_orders: list[WorkOrder]
    tasks: list[Task]
    previous: list[Assignment] = field(default_factory=list)
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self):
        self.tech_by_id = {t.id: t for t in self.technicians}
        self.bay_by_id = {b.id: b for b in self.bays}
        self.wo_by_id = {w.id: w for w in self.work_orders}
        self.task_by_id = {t.id: t for t in self.tasks}
        self.previous_by_task = {a.task: a for a in self.previous}
        self._available: dict[str, tuple[Window, ...]] = {}
        self._same_windows: dict[tuple[Window, ...], tuple[Window, ...]] = {}
        self._bay_open: dict[str, tuple[Window, ...]] = {}
        self._with_skill: dict[str | None, list[Technician]] = {}

    def available(self, tech: Technician) -> tuple[Window, ...]:
        """The technician's working windows inside the horizon. Technicians with equal windows
        get the same tuple, so work that depends only on the windows can be done once per
        distinct tuple (most technicians share a shift pattern)."""
        if tech.id not in self._available:
            windows = (Window(0, self.horizon),) if tech.availability is None else tuple(
                Window(max(0, w.start), min(self.horizon, w.end))
                for w in tech.availability if w.end > 0 and w.start < self.horizon)
            self._available[tech.id] = self._same_windows.setdefault(windows, windows)
        return self._available[tech.id]

    def shift_patterns(self, techs) -> list[tuple[Window, ...]]:
        """The distinct `available` windows of `techs`."""
        return list({id(w): w for w in map(self.available, techs)}.values())

    def bay_open(self, bay: Bay) -> tuple[Window, ...]:
        """The bay's windows outside downtime, inside the horizon."""
        if bay.id not in self._bay_open:
            self._bay_open[bay.id] = complement(bay.downtime, self.horizon)
        return self._bay_open[bay.id]

    def eligible_techs(self, task: Task) -> list[Technician]:
        if task.skill not in self._with_skill:
            self._with_skill[task.skill] = [t for t in self.technicians if task.skill is None or task.skill in t.skills]
        return list(self._with_skill[task.skill])

    def eligible_bays(self, task: Task) -> list[Bay]:
        if task.bay_type is None:
            return []
        return [b for b in self.bays if b.type == task.bay_type]

    def clock(self, minute: int) -> datetime:
        return self.horizon_start + timedelta(minutes=minute)


def complement(windows, horizon: int) -> tuple[Window, ...]:
    """The parts of [0, horizon) not covered by `windows` (which may overlap)."""
    gaps, cursor = [], 0
    for w in sorted(windows, key=lambda w: w.start):
        if w.start > cursor:
            gaps.append(Window(cursor, min(w.start, horizon)))
        cursor = max(cursor, w.end)
        if cursor >= horizon:
            break
    if cursor < horizon:
        gaps.append(Window(cursor, horizon))
    return tuple(g for g in gaps if g.length > 0)


def subtract(windows, holes) -> tuple[Window, ...]:
    """`windows` minus every interval of `holes`, sorted and merged."""
    result = []
    for w in merge(windows):
        pieces = [w]
        for h in holes:
            next_pieces = []
            for p in pieces:
                if not p.overlaps(h):
                    next_pieces.append(p)
                    continue
                if p.start < h.start:
                    next_pieces.append(Window(p.start, h.start))
                if h.end < p.end:
                    next_pieces.append(Window(h.end, p.end))
            pieces = next_pieces
        result.extend(pieces)
    return tuple(result)


def merge(windows) -> tuple[Window, ...]:
    """Sorted union of windows (touching windows are joined)."""
    merged: list[Window] = []
    for w in sorted(windows, key=lambda w: w.start):
        if w.length <= 0:
            continue
        if merged and w.start <= merged[-1].end:
            merged[-1] = Window(merged[-1].start, max(merged[-1].end, w.end))
        else:
            merged.append(w)
    return tuple(merged)


def with_skill(task: Task) -> str:
    """`with skill 'brakes'` for messages (empty when any technician will do)."""
    return f"with skill '{task.skill}'" if task.skill is not None else ""


def hhmm(problem: Problem, minute: int) -> str:
    """Clock time for messages: `10:30`, or `Tue 10:30` past the horizon's first day."""
    moment = problem.clock(minute)
    if moment.date() == problem.horizon_start.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%a %H:%M")
