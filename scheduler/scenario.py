"""Scenario JSON (see README and scenario.schema.json) <-> `Problem`.

Every error names the field it concerns, e.g. `tasks[3].duration_minutes: must be > 0`.
"""
import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import jsonschema

from scheduler.problem import (
    NO_ETA, Assignment, Bay, Change, Lock, Problem, Task, Technician, Weights, Window, WorkOrder, merge, subtract,
)

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")


class ScenarioError(ValueError):
    """The scenario is malformed; the message starts with the offending field's path."""


@lru_cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def load_file(path) -> Problem:
    return load_with_changes(path)[0]


def load_with_changes(path) -> tuple[Problem, list[Change] | None]:
    """The scenario's problem and its `changes` (None when it names none)."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    problem = from_dict(data)
    return problem, changes_from_dict(data, problem)


def field_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(scenario)"


def _friendly(error: jsonschema.ValidationError) -> str:
    path = field_path(error.absolute_path)
    v, arg = error.validator, error.validator_value
    if v == "required":
        missing = [name for name in arg if name not in error.instance]
        return f"{field_path([*error.absolute_path, missing[0]])}: is required"
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{field_path([*error.absolute_path, extra[0]])}: unknown field"
    if v == "exclusiveMinimum":
        return f"{path}: must be > {arg}"
    if v == "minimum":
        return f"{path}: must be >= {arg}"
    if v == "type":
        return f"{path}: must be of type {arg if isinstance(arg, str) else ' or '.join(arg)}"
    if v == "minLength":
        return f"{path}: must not be empty"
    if v == "uniqueItems":
        return f"{path}: has duplicates"
    if v == "oneOf" and path.endswith("horizon"):
        return f"{path}: give exactly one of end and length_minutes"
    if v in ("oneOf", "anyOf"):
        return f"{path}: {error.instance!r} is not valid here ({error.schema.get('description') or 'see scenario.schema.json'})"
    return f"{path}: {error.message}"


def validate(data) -> None:
    """Raise ScenarioError for the first schema violation (deepest, most specific first)."""
    validator = jsonschema.Draft202012Validator(schema())
    errors = list(validator.iter_errors(data))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        raise ScenarioError(_friendly(best))


class _Reader:
    """Converts scenario times to minutes from the horizon start, naming the field on error."""

    def __init__(self, start: datetime):
        self.start = start

    def minute(self, value, path) -> int:
        if isinstance(value, int):
            return value
        moment = parse_time(value, path)
        seconds = (moment - self.start).total_seconds()
        return int(seconds // 60)

    def windows(self, items, path) -> tuple[Window, ...]:
        out = []
        for i, w in enumerate(items or []):
            start, end = self.minute(w["start"], f"{path}[{i}].start"), self.minute(w["end"], f"{path}[{i}].end")
            if end <= start:
                raise ScenarioError(f"{path}[{i}].end: must be after start")
            out.append(Window(start, end))
        return tuple(out)


def parse_time(value: str, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ScenarioError(f"{path}: {value!r} is not an ISO 8601 date-time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _unique(items, name) -> dict:
    seen = {}
    for i, item in enumerate(items):
        if item["id"] in seen:
            raise ScenarioError(f"{name}[{i}].id: duplicate id {item['id']!r}")
        seen[item["id"]] = i
    return seen


def from_dict(data) -> Problem:
    """Validate a scenario (schema, then references and times) and build the `Problem`."""
    validate(data)
    horizon_start = parse_time(data["horizon"]["start"], "horizon.start")
    read = _Reader(horizon_start)
    if "end" in data["horizon"]:
        horizon = read.minute(data["horizon"]["end"], "horizon.end")
        if horizon <= 0:
            raise ScenarioError("horizon.end: must be after horizon.start")
    else:
        horizon = data["horizon"]["length_minutes"]

    tech_index = _unique(data["technicians"], "technicians")
    bay_index = _unique(data["bays"], "bays")
    wo_index = _unique(data["work_orders"], "work_orders")
    task_index = _unique(data["tasks"], "tasks")

    technicians = []
    for i, t in enumerate(data["technicians"]):
        shifts = read.windows(t.get("availability"), f"technicians[{i}].availability")
        time_off = read.windows(t.get("time_off"), f"technicians[{i}].time_off")
        availability = None
        if shifts or time_off:
            availability = subtract(shifts or (Window(0, horizon),), time_off)
        technicians.append(Technician(t["id"], t["name"], frozenset(t["skills"]), availability, merge(time_off)))
    bays = [Bay(b["id"], b["name"], b["type"], merge(read.windows(b.get("downtime"), f"bays[{i}].downtime")))
            for i, b in enumerate(data["bays"])]
    work_orders = []
    for i, w in enumerate(data["work_orders"]):
        due = w.get("due_at")
        work_orders.append(WorkOrder(w["id"], None if due is None else read.minute(due, f"work_orders[{i}].due_at"),
                                     w.get("priority", 1)))

    tasks = []
    for i, t in enumerate(data["tasks"]):
        where = f"tasks[{i}]"
        if t["work_order"] not in wo_index:
            raise ScenarioError(f"{where}.work_order: unknown work order {t['work_order']!r}")
        for j, dep in enumerate(t.get("depends_on", [])):
            if dep not in task_index:
                raise ScenarioError(f"{where}.depends_on[{j}]: unknown task {dep!r}")
            if dep == t["id"]:
                raise ScenarioError(f"{where}.depends_on[{j}]: a task cannot depend on itself")
        parts = t.get("parts_ready")
        if parts is not None and parts != NO_ETA:
            parts = read.minute(parts, f"{where}.parts_ready")
        lock_data = t.get("lock") or {}
        if "technician" in lock_data and lock_data["technician"] not in tech_index:
            raise ScenarioError(f"{where}.lock.technician: unknown technician {lock_data['technician']!r}")
        if "bay" in lock_data and lock_data["bay"] not in bay_index:
            raise ScenarioError(f"{where}.lock.bay: unknown bay {lock_data['bay']!r}")
        lock = Lock(
            start=read.minute(lock_data["start"], f"{where}.lock.start") if "start" in lock_data else None,
            technician=lock_data.get("technician"), bay=lock_data.get("bay"),
        )
        tasks.append(Task(t["id"], t["name"], t["work_order"], t["duration_minutes"], t.get("skill"),
                          t.get("bay_type"), parts, tuple(t.get("depends_on", [])), lock))

    previous = []
    for i, a in enumerate(data.get("previous_schedule", [])):
        where = f"previous_schedule[{i}]"
        if a["task"] not in task_index:
            raise ScenarioError(f"{where}.task: unknown task {a['task']!r}")
        if a["technician"] not in tech_index:
            raise ScenarioError(f"{where}.technician: unknown technician {a['technician']!r}")
        if a.get("bay") is not None and a["bay"] not in bay_index:
            raise ScenarioError(f"{where}.bay: unknown bay {a['bay']!r}")
        start = read.minute(a["start"], f"{where}.start")
        duration = data["tasks"][task_index[a["task"]]]["duration_minutes"]
        end = read.minute(a["end"], f"{where}.end") if "end" in a else start + duration
        previous.append(Assignment(a["task"], a["technician"], a.get("bay"), start, end))

    weights = Weights(**data.get("weights", {}))
    return Problem(horizon_start, horizon, technicians, bays, work_orders, tasks, previous, weights)


def changes_from_dict(data, problem: Problem) -> list[Change] | None:
    """The scenario's `changes` (validated with it by `from_dict`), each id checked against `problem`."""
    if "changes" not in data:
        return None
    known = {"tasks": problem.task_by_id, "technicians": problem.tech_by_id, "bays": problem.bay_by_id,
             "work_orders": problem.wo_by_id}
    out = []
    for i, c in enumerate(data["changes"]):
        for name, ids in known.items():
            for j, item in enumerate(c.get(name, [])):
                if item not in ids:
                    raise ScenarioError(f"changes[{i}].{name}[{j}]: unknown {name.removesuffix('s').replace('_', ' ')} "
                                        f"{item!r}")
        out.append(Change(c["reason"], **{name: frozenset(c.get(name, [])) for name in known}))
    return out


def to_dict(problem: Problem) -> dict:
    """The scenario JSON of a problem (times as integer minutes), e.g. for `scenario generate`."""
    def windows(ws):
        return [{"start": w.start, "end": w.end} for w in ws]

    def task(t: Task) -> dict:
        out = {"id": t.id, "name": t.name, "work_order": t.work_order, "duration_minutes": t.duration,
               "skill": t.skill, "bay_type": t.bay_type, "parts_ready": t.parts_ready,
               "depends_on": list(t.predecessors)}
        lock = {k: v for k, v in (("start", t.lock.start), ("technician", t.lock.technician),
                                  ("bay", t.lock.bay)) if v is not None}
        if lock:
            out["lock"] = lock
        return out

    data = {
        "horizon": {"start": problem.horizon_start.isoformat(), "length_minutes": problem.horizon},
        "technicians": [{"id": t.id, "name": t.name, "skills": sorted(t.skills),
                         **({"availability": windows(t.availability)} if t.availability is not None else {})}
                        for t in problem.technicians],
        "bays": [{"id": b.id, "name": b.name, "type": b.type, "downtime": windows(b.downtime)} for b in problem.bays],
        "work_orders": [{"id": w.id, "due_at": w.due, "priority": w.priority} for w in problem.work_orders],
        "tasks": [task(t) for t in problem.tasks],
        "weights": vars(problem.weights).copy(),
    }
    if problem.previous:
        data["previous_schedule"] = [{"task": a.task, "technician": a.technician, "bay": a.bay,
                                      "start": a.start, "end": a.end} for a in problem.previous]
    return data
