"""What changed since the last schedule, as the scheduler's `Change`s with reasons people read.

The rows come from `public.schedule_changes` (written by the database triggers on tasks,
calendar events and work orders, by a dispatcher's move, a request or the nightly run);
each row's `detail` holds the facts its reason is worded from, e.g. "'Replace pads' running
60 min over", "Ana's time off", "parts for 'Brake job' now due Tue 14:00", "rush work
order WO-1042", "dispatcher moved 'Replace pads'". Times read in the shop's time zone.
"""
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.reoptimize import Change

RUSH_PRIORITY = 4  # a work order raised to this priority or above is a rush job


@dataclass(frozen=True)
class PendingChange:
    """One `schedule_changes` row."""

    id: int
    scope: str  # partial | full
    kind: str   # task | calendar_event | work_order | move | request | nightly
    detail: dict
    tasks: tuple[str, ...]
    technicians: tuple[str, ...]
    bays: tuple[str, ...]
    work_orders: tuple[str, ...]


@dataclass(frozen=True)
class Names:
    """Names the reasons quote: task, technician and bay id -> name."""

    tasks: dict[str, str]
    technicians: dict[str, str]
    bays: dict[str, str]


def as_change(change: PendingChange, names: Names, tz: ZoneInfo) -> Change:
    """The scheduler's view of one pending change, with its reason."""
    return Change(reason(change, names, tz), frozenset(change.tasks), frozenset(change.technicians),
                  frozenset(change.bays), frozenset(change.work_orders))


def reason(change: PendingChange, names: Names, tz: ZoneInfo) -> str:
    d = change.detail
    if change.kind == "task":
        return _task_reason(d["name"], d["old"], d["new"], tz)
    if change.kind == "calendar_event":
        return _calendar_reason(d, names)
    if change.kind == "work_order":
        return _work_order_reason(d["number"], d["old"], d["new"], tz)
    if change.kind == "move":
        return f"dispatcher moved '{names.tasks.get(change.tasks[0], 'a task')}'"
    if change.kind == "nightly":
        return "nightly re-optimization"
    return f"{change.scope} re-optimization requested"


def _when(moment: str, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(moment).astimezone(tz).strftime("%a %H:%M")


def _task_reason(name: str, old: dict, new: dict, tz: ZoneInfo) -> str:
    if new["duration"] != old["duration"]:
        delta = new["duration"] - old["duration"]
        return f"'{name}' running {delta} min over" if delta > 0 else f"'{name}' {-delta} min shorter"
    if new["status"] != old["status"]:
        return {"in_progress": f"'{name}' started", "paused": f"'{name}' paused", "blocked": f"'{name}' blocked",
                "done": f"'{name}' done", "cancelled": f"'{name}' cancelled"}.get(new["status"],
                                                                                 f"'{name}' is {new['status']}")
    if (new["needs_parts"], new["parts_ready_at"]) != (old["needs_parts"], old["parts_ready_at"]):
        if not new["needs_parts"]:
            return f"parts for '{name}' in stock"
        if new["parts_ready_at"] is None:
            return f"parts for '{name}' have no ETA"
        return f"parts for '{name}' now due {_when(new['parts_ready_at'], tz)}"
    return f"'{name}' actual times corrected"


def _calendar_reason(d: dict, names: Names) -> str:
    whose = names.technicians.get(d["technician"] or "", "a technician")
    what = {"shift": f"{whose}'s shift", "time_off": f"{whose}'s time off",
            "bay_downtime": f"{names.bays.get(d['bay'] or '', 'a bay')} downtime"}[d["kind"]]
    return what if d["op"] == "added" else f"{what} {d['op']}"


def _work_order_reason(number: int, old: dict, new: dict, tz: ZoneInfo) -> str:
    if new["priority"] != old["priority"]:
        if new["priority"] > old["priority"] and new["priority"] >= RUSH_PRIORITY:
            return f"rush work order WO-{number}"
        return f"WO-{number} priority {old['priority']} -> {new['priority']}"
    if new["due_at"] is None:
        return f"WO-{number} no longer due"
    return f"WO-{number} now due {_when(new['due_at'], tz)}"
