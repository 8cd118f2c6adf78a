"""Schedule the shop from the database: load open tasks, re-optimize the last published schedule
with the pure scheduler, save one `schedule_runs` row with its `schedule_items` and its diff
(`schedule_run_moves`), and write the plan back onto the tasks that moved — all written in one
transaction.

Scope. A partial run frees only the neighbourhood of what changed since the last run: the
pending `schedule_changes` (triggers, moves, requests) and the tasks of newly planned work
orders. A full run (requested, nightly, or nothing recorded to answer) re-optimizes every
task. Both keep tasks starting within BAYFLOW_FROZEN_WINDOW_MINUTES where they are unless
they became infeasible. The run answers every change pending when it loaded the shop.

Write-back. Only tasks whose placement (or unplaced reason) changed are written: an unmoved
task keeps its row and `version` as they were. Tasks are read with their `version`; if one
the run writes changed while the solver ran, nothing is written and `StaleSchedule` is raised
(run again). In-progress and paused tasks with a technician and a planned end occupy their
technician and bay until that end; they are never re-planned. Nor is a scheduled task due now
(its start passed, its end not, nobody started it yet) while a frozen window is configured: its
technician is about to start it, and a minute's slip must not reshuffle the shop. A task
locked in start and technician (pinned) is taken where the dispatcher put it, whatever it
breaks, and never taken off (`as_given`). A blocked task stays as it is, unplaced in the run
with its reason; the tasks waiting on it (directly or not) are unplaced too, quoting it. The
write-back changes the status of pending and scheduled tasks only.

A run is three calls, as the schedule step makes them: `load_run` (one snapshot), `compute_run`
(the pure scheduler, no transaction open) and `save_run`; `run_schedule` makes all three.
"""
import json
import logging
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Sequence
from zoneinfo import ZoneInfo

from bayflow.config import settings
from bayflow.queries import Query, load
from pipelines.schedule_changes import Names, PendingChange, as_change
from scheduler import Result, SolverParameters, solve
from scheduler.problem import (
    NO_ETA, Assignment, Bay, Lock, Problem, Task, Technician, Weights, Window, WorkOrder, merge, subtract,
)
from scheduler.reoptimize import Change, ReoptimizeParameters, reoptimize

SQL = load(Path(__file__).with_name("sql") / "schedule_run.sql")
SHOP = load(Path(__file__).with_name("sql") / "shop.sql")
# One read of the shop: a named query of SHOP and its parameters -> its rows.
ReadRows = Callable[[Query, dict], Sequence[Sequence]]
log = logging.getLogger(__name__)
DUE_NOW = "due now: kept where it is until its technician starts it"


class StaleSchedule(RuntimeError):
    """A task changed while the solver ran; nothing was written."""


@dataclass(frozen=True)
class Written:
    """A task the run writes back: `before`/`after` its placement (None: unplaced), `reason` the diff's why."""

    task: str
    before: Assignment | None
    after: Assignment | None
    reason: str


@dataclass(frozen=True)
class PlannedRun:
    """What one run reads in one snapshot: the shop, the problem it solves (`as_given`), the pending
    changes it answers with their reasons, the last run's reasons, its scope and time limit."""

    shop: "LoadedShop"
    problem: Problem
    pending: list[PendingChange]
    changes: list[Change]
    explained: dict[str, list[str]]
    scope: str
    time_limit_s: float
    phases: "Phases"


def run_schedule(conn, triggered_by: str, *, now: datetime | None = None, scope: str | None = None,
                 time_limit_s: float | None = None) -> uuid.UUID:
    """Re-optimize the shop and save the run; returns the new schedule_runs id. `scope` forces
    'full' or 'partial' (default: what the pending changes call for); `time_limit_s` overrides
    the configured limit of that scope."""
    with conn.transaction():  # one consistent snapshot, closed before the solve
        run = load_run(conn, now, scope=scope, time_limit_s=time_limit_s)
    return save_run(conn, run, compute_run(run), triggered_by)


def load_run(conn, now: datetime | None = None, *, scope: str | None = None,
             time_limit_s: float | None = None) -> PlannedRun:
    """The shop over the configured horizon from the first whole minute at or after `now` (default:
    now), with the changes pending; call it inside a transaction, for one snapshot."""
    config = settings()
    phases = Phases()
    with phases("load"):
        loaded = load_problem(conn, _whole_minute(now or datetime.now(timezone.utc)),
                              config.bayflow_schedule_horizon_days, hold_due=config.bayflow_frozen_window_minutes > 0)
        pending = [PendingChange(*row) for row in conn.execute(SQL.pending_changes.psycopg).fetchall()]
        changes = _changes(conn, loaded, pending)
        explained = dict(conn.execute(SQL.previous_reasons.psycopg).fetchall())
    problem = as_given(loaded)
    if scope is None:
        scope = "full" if not changes or any(c.scope == "full" for c in pending) or not problem.previous else "partial"
    limit = time_limit_s or (config.bayflow_solver_time_limit_s if scope == "full"
                             else config.bayflow_reopt_time_limit_s)
    return PlannedRun(loaded, problem, pending, changes, explained, scope, limit, phases)


def compute_run(run: PlannedRun) -> Result:
    """The scheduler's answer: the published schedule re-optimized around the changes, or a solve
    from scratch when nothing is published yet."""
    config = settings()
    with run.phases("solve"):
        if run.problem.previous:
            return reoptimize(run.problem, run.changes, ReoptimizeParameters(
                frozen_until=config.bayflow_frozen_window_minutes, time_limit_s=run.time_limit_s,
                full=run.scope == "full", num_workers=config.bayflow_solver_workers), explained=run.explained)
        return solve(run.problem, SolverParameters(run.time_limit_s, config.bayflow_solver_workers))


def save_run(conn, run: PlannedRun, result: Result, triggered_by: str) -> uuid.UUID:
    """Save `result` as a schedule run with its items and diff, mark the pending changes answered and
    write back the tasks it changed, in one transaction (a savepoint in the caller's); StaleSchedule
    when a task it writes changed since it was read. Returns the run's id."""
    loaded, problem, pending, changes, phases = run.shop, run.problem, run.pending, run.changes, run.phases
    with phases("diff"):
        unplaced = {t: reasons for t, reasons in result.unscheduled.items()
                    if t not in loaded.in_progress and t not in loaded.pinned}  # both stay as they are
        unplaced.update(loaded.held)
        written = _written(loaded, result, unplaced)
    run_id = uuid.uuid4()
    with phases("commit"), conn.transaction():
        conn.execute(SQL.insert_run.psycopg, {
            "id": run_id, "status": result.status, "objective": result.objective, "best_bound": result.best_bound,
            "gap": result.gap, "baseline": result.baseline_objective, "breakdown": json.dumps(result.breakdown()),
            "seconds": result.solve_seconds, "parameters": json.dumps(result.parameters),
            "input_hash": result.input_hash, "triggered_by": triggered_by, "horizon_start": problem.horizon_start,
            "horizon_end": problem.clock(problem.horizon),
            "diagnoses": json.dumps([d.to_dict() for d in result.diagnoses]),
            "lateness": json.dumps(result.lateness),
            "placed": sum(1 for i in result.items if i.task not in loaded.in_progress), "unplaced": len(unplaced),
            "unplaced_minutes": sum(problem.task_by_id[t].duration if t in problem.task_by_id
                                    else loaded.held_minutes[t] for t in unplaced),
            "scope": run.scope, "changes": json.dumps([{"kind": p.kind, "reason": c.reason}
                                                      for p, c in zip(pending, changes)]),
        })
        conn.execute(SQL.answer_changes.psycopg, {"run_id": run_id, "ids": [p.id for p in pending]})
        placed = [w for w in written if w.after is not None]
        _update(conn, SQL.plan_tasks.psycopg, [w.task for w in placed], {
            "versions": [loaded.versions[w.task] for w in placed],
            "starts": [problem.clock(w.after.start) for w in placed],
            "ends": [problem.clock(w.after.end) for w in placed],
            "technicians": [w.after.technician for w in placed], "bays": [w.after.bay for w in placed]})
        taken_off = [w.task for w in written if w.after is None]
        _update(conn, SQL.unplan_tasks.psycopg, taken_off, {
            "versions": [loaded.versions[t] for t in taken_off],
            "reasons": ["; ".join(unplaced[t]) for t in taken_off]})
        phases.mark("write_tasks")
        with conn.cursor() as cur:
            with cur.copy(SQL.copy_items.sql) as copy:
                for item in result.items:
                    if item.task not in loaded.in_progress:
                        copy.write_row((run_id, item.task, item.technician, item.bay, problem.clock(item.start),
                                        problem.clock(item.end), json.dumps(item.why)))
                for task_id, reasons in unplaced.items():  # in-progress ones stay in progress; the diagnoses say why
                    copy.write_row((run_id, task_id, None, None, None, None, json.dumps(reasons)))
                for a in loaded.due.values():  # due now: it stays, for the reasons it was put there
                    why = [DUE_NOW, *(w for w in run.explained.get(a.task, []) if w != DUE_NOW)]
                    copy.write_row((run_id, a.task, a.technician, a.bay, problem.clock(a.start),
                                    problem.clock(a.end), json.dumps(why)))
                for a in problem.previous:  # a pinned task the solver could not fit stays, saying what it breaks
                    if a.task in loaded.pinned and a.task in result.unscheduled:
                        copy.write_row((run_id, a.task, a.technician, a.bay,
                                        problem.clock(a.start), problem.clock(a.end),
                                        json.dumps(["kept where the dispatcher put it",
                                                    *result.unscheduled[a.task]])))
            with cur.copy(SQL.copy_moves.sql) as copy:
                for w in written:
                    if w.before != w.after:
                        copy.write_row((run_id, w.task, *_where(problem, w.before), *_where(problem, w.after),
                                        w.reason))
        phases.mark("copy_items")
    log.info("schedule run %s (%s, %d tasks, %d written): %s", run_id, run.scope, len(problem.tasks), len(written),
             phases)
    return run_id


class Phases:
    """Wall-clock milliseconds per phase of a run, for its log line."""

    def __init__(self):
        self.ms: dict[str, float] = {}
        self._since = time.perf_counter()

    @contextmanager
    def __call__(self, name: str):
        self._since = time.perf_counter()
        yield
        self.mark(name)

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.ms[name] = self.ms.get(name, 0) + (now - self._since) * 1000
        self._since = now

    def __str__(self) -> str:
        return " ".join(f"{name}={ms:.0f}ms" for name, ms in self.ms.items())


def _changes(conn, loaded: "LoadedShop", pending: list[PendingChange]) -> list[Change]:
    """The pending changes with their reasons, then one per work order whose tasks were never placed."""
    problem = loaded.problem
    ids = {kind: sorted({i for p in pending for i in getattr(p, kind)}) for kind in ("tasks", "technicians", "bays")}
    tasks, technicians, bays = conn.execute(SQL.change_names.psycopg, ids).fetchone()
    tz = ZoneInfo(str(problem.horizon_start.tzinfo))
    changes = [as_change(p, Names(tasks, technicians, bays), tz) for p in pending]
    for work_order, task_ids in sorted(loaded.new_tasks.items()):
        changes.append(Change(f"new work order WO-{loaded.numbers[work_order]}", tasks=frozenset(task_ids),
                              work_orders=frozenset({work_order})))
    return changes


def _written(loaded: "LoadedShop", result, unplaced: dict[str, list[str]]) -> list[Written]:
    """The tasks whose placement or unplaced reason the run changes, with the diff's reason for each."""
    previous = {a.task: a for a in loaded.problem.previous}
    why = {m.task: m.reason for m in (result.moves or [])}
    written = []
    for item in result.items:
        if item.task in loaded.in_progress:
            continue
        after = Assignment(item.task, item.technician, item.bay, item.start, item.end)
        before = previous.get(item.task)
        if before != after:
            written.append(Written(item.task, before, after, why.get(item.task, "placed" if before is None
                                                                                 else "re-optimized")))
    for task, reasons in unplaced.items():
        if task in loaded.blocked:
            continue  # its technician keeps it, to unblock it
        before = previous.get(task)
        status, reason = loaded.unplaced_as[task]
        if before is not None or status != "pending" or reason != "; ".join(reasons):
            written.append(Written(task, before, None, why.get(task, "unplaced: " + "; ".join(reasons))))
    return written


def _where(problem: Problem, a: Assignment | None) -> tuple:
    if a is None:
        return None, None, None, None
    return a.technician, a.bay, problem.clock(a.start), problem.clock(a.end)


def _update(conn, query: str, ids: list[str], columns: dict[str, list]) -> None:
    """Write the tasks `ids` (with `columns` side by side) in one statement; StaleSchedule names one that changed."""
    if not ids:
        return
    written = {row[0] for row in conn.execute(query, {"ids": ids, **columns}).fetchall()}
    if stale := [t for t in ids if t not in written]:
        raise StaleSchedule(f"task {stale[0]} changed while the schedule was being computed; run again")


def _whole_minute(moment: datetime) -> datetime:
    moment = moment.astimezone(timezone.utc)
    floored = moment.replace(second=0, microsecond=0)
    return floored if floored == moment else floored + timedelta(minutes=1)


class LoadedShop:
    """The shop as the scheduler sees it. `in_progress`: tasks fixed where they are (in progress,
    paused, or due now when loaded with `hold_due`: those in `due`, where they are planned); `held`:
    tasks left out of the problem with the reasons they cannot be placed (blocked tasks, in
    `blocked`, and the open tasks waiting on them), `held_minutes` their durations; `unplaced_as`:
    each task's status and unplaced reason as read; `new_tasks`: per work order, its pending tasks
    never placed nor tried (a newly planned work order); `numbers`: work order numbers; `pinned`:
    scheduled tasks locked in start and technician (where a dispatcher put them)."""

    def __init__(self, problem: Problem, versions: dict[str, int], in_progress: set[str],
                 held: dict[str, list[str]], blocked: set[str], held_minutes: dict[str, int],
                 unplaced_as: dict[str, tuple[str, str | None]], new_tasks: dict[str, list[str]],
                 numbers: dict[str, int], pinned: set[str], due: dict[str, Assignment]):
        self.problem, self.versions, self.in_progress = problem, versions, in_progress
        self.held, self.blocked, self.held_minutes = held, blocked, held_minutes
        self.unplaced_as, self.new_tasks, self.numbers, self.pinned = unplaced_as, new_tasks, numbers, pinned
        self.due = due


def load_problem(conn, start: datetime, days: int, *, hold_due: bool = False) -> LoadedShop:
    """The shop over [start, start + days), read on a psycopg connection (`hold_due`: see `load_shop`)."""
    return load_shop(lambda query, params: conn.execute(query.psycopg, params).fetchall(), start, days,
                     hold_due=hold_due)


def load_shop(read: ReadRows, start: datetime, days: int, *, hold_due: bool = False) -> LoadedShop:
    """The pure `Problem` for the shop's open tasks over [start, start + days), its rows read with `read`
    (any driver: the API's what-if reads them on its own connection, as the caller); `previous` is the
    published schedule: the scheduled tasks where they are planned. `hold_due`: a scheduled task due
    now (planned start before `start`, planned end after it) is fixed where it is, as an in-progress one."""
    end = start + timedelta(days=days)
    horizon = days * 1440

    def minute(moment: datetime) -> int:
        return int((moment - start).total_seconds() // 60)

    tz = ZoneInfo(read(SHOP.shop_timezone, {})[0][0])
    task_rows = read(SHOP.open_tasks, {})
    ids = [r[0] for r in task_rows]
    preds: dict = {}
    for task_id, dep in read(SHOP.dependencies, {"ids": ids}):
        preds.setdefault(str(task_id), []).append(str(dep))
    open_ids = {str(i) for i in ids}

    shifts, time_off, downtime = {}, {}, {}
    for kind, tech, bay, s, e, recurrence, until in read(SHOP.calendar, {"start": start, "end": end}):
        target = {"shift": shifts, "time_off": time_off, "bay_downtime": downtime}[kind]
        key = str(tech or bay)
        for os, oe in occurrences(s, e, recurrence, until, tz, start, end):
            target.setdefault(key, []).append(Window(minute(os), minute(oe)))

    held, blocked, held_minutes = _held(task_rows, preds)
    tasks, versions, in_progress, busy, unplaced_as, new_tasks, due_now = [], {}, set(), {}, {}, {}, {}
    for (tid, name, wo, duration, skill, bay_type, needs_parts, parts_at, status, tech, bay,
         p_start, p_end, lock_start, lock_tech, lock_bay, version, _blocked, unplaced_reason) in task_rows:
        tid = str(tid)
        versions[tid] = version
        unplaced_as[tid] = (status, unplaced_reason)
        if tid in held:
            continue
        if hold_due and status == "scheduled" and tech and p_start and p_end and p_start < start < p_end:
            due_now[tid] = Assignment(tid, str(tech), str(bay) if bay else None, minute(p_start), minute(p_end))
        if status in ("in_progress", "paused") or tid in due_now:  # a paused task keeps its technician, bay and time
            if tech is None or p_end is None or p_end <= start:
                continue  # nothing to block any more: dependents may start now
            in_progress.add(tid)
            busy.setdefault(str(tech), []).append(Window(0, minute(p_end)))
            tasks.append(Task(tid, name, str(wo), minute(p_end), skill, bay_type, None, (),
                              Lock(0, str(tech), str(bay) if bay else None)))
            continue
        if status == "pending" and p_start is None and unplaced_reason is None:
            new_tasks.setdefault(str(wo), []).append(tid)
        parts = (NO_ETA if parts_at is None else minute(parts_at)) if needs_parts else None
        lock = Lock(minute(p_start) if lock_start else None, str(tech) if lock_tech else None,
                    str(bay) if lock_bay else None)
        tasks.append(Task(tid, name, str(wo), duration, skill, bay_type, parts,
                          tuple(p for p in preds.get(tid, []) if p in open_ids), lock))
    # Dependencies on finished (or not-blocking in-progress) tasks are already satisfied.
    kept = {t.id for t in tasks}
    tasks = [replace(t, predecessors=tuple(p for p in t.predecessors if p in kept)) for t in tasks]

    previous, pinned = [], set()
    for (tid, _, _, duration, _, _, _, _, status, tech, bay, p_start, p_end, lock_start, lock_tech,
         *_rest) in task_rows:
        if (status == "scheduled" and tech is not None and p_start is not None and str(tid) not in held
                and str(tid) not in in_progress):
            previous.append(Assignment(str(tid), str(tech), str(bay) if bay else None, minute(p_start), minute(p_end)))
            if lock_start and lock_tech:
                pinned.add(str(tid))

    technicians = []
    for tid, name, skills in read(SHOP.technicians, {}):
        key = str(tid)
        own = shifts.get(key)
        windows = None
        if own or time_off.get(key):
            windows = subtract(own or [Window(0, horizon)], time_off.get(key, []))
        if key in busy and windows is not None:  # at work on an in-progress task, whatever the calendar says
            windows = merge([*windows, *busy[key]])
        technicians.append(Technician(key, name, frozenset(skills), windows, merge(time_off.get(key, []))))
    bays = [Bay(str(b), name, bay_type, merge(downtime.get(str(b), [])))
            for b, name, bay_type in read(SHOP.bays, {})]
    wo_ids = sorted({t.work_order for t in tasks})
    work_orders, numbers = [], {}
    for w, due, priority, number in read(SHOP.work_orders, {"ids": [uuid.UUID(w) for w in wo_ids]}):
        work_orders.append(WorkOrder(str(w), None if due is None else minute(due), priority))
        numbers[str(w)] = number
    weights = Weights(**settings().bayflow_schedule_weights)
    # The horizon starts at `start` on the shop's clock, so reasons read in shop-local time.
    problem = Problem(start.astimezone(tz), horizon, technicians, bays, work_orders, tasks, previous, weights)
    return LoadedShop(problem, versions, in_progress, held, blocked, held_minutes, unplaced_as, new_tasks, numbers,
                      pinned, due_now)


def as_given(loaded: LoadedShop) -> Problem:
    """The problem a run solves: a pinned task is taken where the dispatcher put it, whatever it
    breaks (skill, bay type, parts, order, shift: a forced move is the dispatcher's call), so that no
    later run quietly takes it off; the what-if judges moves on the problem as loaded."""
    problem = loaded.problem
    if not loaded.pinned:
        return problem
    previous = {a.task: a for a in problem.previous if a.task in loaded.pinned}
    tasks = [replace(t, skill=None, bay_type=None, parts_ready=None, predecessors=())
             if t.id in previous else t for t in problem.tasks]
    at_work: dict[str, list[Window]] = {}
    for a in previous.values():
        at_work.setdefault(a.technician, []).append(Window(a.start, a.end))
    technicians = [replace(t, availability=merge([*t.availability, *at_work[t.id]]))
                   if t.id in at_work and t.availability is not None else t for t in problem.technicians]
    return Problem(problem.horizon_start, problem.horizon, technicians, problem.bays, problem.work_orders, tasks,
                   problem.previous, problem.weights)


def _held(task_rows, preds: dict[str, list[str]]) -> tuple[dict[str, list[str]], set[str], dict[str, int]]:
    """The tasks no schedule may place yet, with why: each blocked task (its reason quoted) and each
    pending or scheduled task waiting on one, directly or through others; the blocked ones; their minutes."""
    rows = {str(r[0]): r for r in task_rows}
    blocked = {tid for tid, r in rows.items() if r[8] == "blocked"}
    held = {tid: [f"blocked: {rows[tid][17] or 'no reason given'}"] for tid in blocked}
    changed = True
    while changed:  # dependents of held tasks, to a fixed point
        changed = False
        for tid, r in rows.items():
            if tid in held or r[8] not in ("pending", "scheduled"):
                continue
            waits = [p for p in preds.get(tid, []) if p in held]
            if waits:
                held[tid] = [f"waits on '{rows[p][1]}', " + ("blocked: " + (rows[p][17] or "no reason given")
                                                            if p in blocked else "which cannot be placed yet")
                             for p in waits]
                changed = True
    return held, blocked, {tid: rows[tid][3] for tid in held}


def occurrences(starts_at: datetime, ends_at: datetime, recurrence: str, until: date | None, tz: ZoneInfo,
                start: datetime, end: datetime):
    """The [start, end) occurrences of a calendar event that touch [start, end), repeated on
    local wall-clock time in the shop's timezone (so a 08:00 shift stays 08:00 across DST)."""
    if recurrence == "none":
        yield starts_at, ends_at
        return
    local_start, length = starts_at.astimezone(tz), ends_at - starts_at
    step = 7 if recurrence == "weekly" else 1
    day = 0
    while True:
        local = (local_start.replace(tzinfo=None) + timedelta(days=day)).replace(tzinfo=tz)
        if local.date() > until or local >= end:
            return
        if (recurrence != "weekdays" or local.weekday() < 5) and local + length > start:
            yield local.astimezone(timezone.utc), local.astimezone(timezone.utc) + length
        day += step
