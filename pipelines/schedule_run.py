"""Schedule the shop from the database: load open tasks, solve with the pure scheduler,
save one `schedule_runs` row with its `schedule_items` and write the plan back onto
the tasks — all written in one transaction.

Tasks are read with their `version`; if one changed while the solver ran, nothing is
written and `StaleSchedule` is raised (run again). In-progress and paused tasks with a
technician and a planned end occupy their technician and bay until that end; they are not
re-planned. A blocked task stays as it is, unplaced in the run with its reason; the tasks
waiting on it (directly or not) are unplaced too, quoting it. The write-back changes the
status of pending and scheduled tasks only.
"""
import json
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Sequence
from zoneinfo import ZoneInfo

from bayflow import queries
from bayflow.config import settings
from bayflow.queries import Query
from scheduler import Result, SolverParameters, solve
from scheduler.problem import (
    NO_ETA, Assignment, Bay, Lock, Problem, Task, Technician, Weights, Window, WorkOrder, merge, subtract,
)

SHOP = queries.load(Path(__file__).with_name("sql") / "shop.sql")
# One read of the shop: a named query of SHOP and its parameters -> its rows.
ReadRows = Callable[[Query, dict], Sequence[Sequence]]

INSERT_RUN = """
insert into public.schedule_runs
  (id, status, objective_value, best_bound, gap, baseline_objective, objective_breakdown, solve_seconds,
   solver_parameters, input_hash, triggered_by, horizon_start, horizon_end, diagnoses, lateness_minutes,
   placed_tasks, unplaced_tasks, unplaced_minutes)
values (%(id)s, %(status)s, %(objective)s, %(best_bound)s, %(gap)s, %(baseline)s, %(breakdown)s, %(seconds)s,
        %(parameters)s, %(input_hash)s, %(triggered_by)s, %(horizon_start)s, %(horizon_end)s, %(diagnoses)s,
        %(lateness)s, %(placed)s, %(unplaced)s, %(unplaced_minutes)s)
"""

INSERT_ITEM = """
insert into public.schedule_items (run_id, task_id, technician_id, bay_id, starts_at, ends_at, why)
values (%s, %s, %s, %s, %s, %s, %s)
"""

# Locked fields are left as they are; a pending task becomes scheduled. (The work order's
# status follows from its tasks in the database: bayflow.derived_work_order_status.)
PLAN_TASK = """
update public.tasks
   set planned_start = case when lock_start then planned_start else %(start)s end,
       planned_end = case when lock_start then planned_end else %(end)s end,
       assigned_technician_id = case when lock_technician then assigned_technician_id else %(technician)s end,
       bay_id = case when lock_bay then bay_id else %(bay)s end,
       status = 'scheduled', unplaced_reason = null
 where id = %(id)s and version = %(version)s and status in ('pending', 'scheduled')
"""

# A task the run could not place loses its stale plan (locked fields stay) and says why.
UNPLAN_TASK = """
update public.tasks
   set planned_start = case when lock_start then planned_start end,
       planned_end = case when lock_start then planned_end end,
       assigned_technician_id = case when lock_technician then assigned_technician_id end,
       bay_id = case when lock_bay then bay_id end,
       status = 'pending', unplaced_reason = %(reason)s
 where id = %(id)s and version = %(version)s and status in ('pending', 'scheduled')
"""


class StaleSchedule(RuntimeError):
    """A task changed while the solver ran; nothing was written."""


def run_schedule(conn, triggered_by: str, *, now: datetime | None = None,
                 params: SolverParameters | None = None) -> uuid.UUID:
    """Solve the shop's open tasks and save the run; returns the new schedule_runs id."""
    with conn.transaction():  # one consistent snapshot, closed before the solve
        loaded = load_horizon(conn, now)
    return save_run(conn, loaded, solve(loaded.problem, params or solver_parameters()), triggered_by)


def solver_parameters() -> SolverParameters:
    """The pipeline's solver limits (BAYFLOW_SOLVER_TIME_LIMIT_S, BAYFLOW_SOLVER_WORKERS)."""
    config = settings()
    return SolverParameters(config.bayflow_solver_time_limit_s, config.bayflow_solver_workers)


def load_horizon(conn, now: datetime | None = None) -> "LoadedShop":
    """The shop over the configured horizon, from the first whole minute at or after `now` (default: now)."""
    start = _whole_minute(now or datetime.now(timezone.utc))
    return load_problem(conn, start, settings().bayflow_schedule_horizon_days)


def save_run(conn, loaded: "LoadedShop", result: Result, triggered_by: str) -> uuid.UUID:
    """Save `result` as a schedule run with its items and write the plan onto the tasks, in one
    transaction (a savepoint in the caller's); StaleSchedule when a task changed since `loaded` was read."""
    run_id = uuid.uuid4()
    problem = loaded.problem
    unplaced = {t: reasons for t, reasons in result.unscheduled.items() if t not in loaded.in_progress}
    unplaced.update(loaded.held)
    with conn.transaction():
        conn.execute(INSERT_RUN, {
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
        })
        rows = []
        for item in result.items:
            if item.task in loaded.in_progress:
                continue
            rows.append((run_id, item.task, item.technician, item.bay, problem.clock(item.start),
                         problem.clock(item.end), json.dumps(item.why)))
            _update(conn, PLAN_TASK, {"id": item.task, "version": loaded.versions[item.task],
                                      "start": problem.clock(item.start), "end": problem.clock(item.end),
                                      "technician": item.technician, "bay": item.bay})
        for task_id, reasons in unplaced.items():  # in-progress ones stay in progress; the diagnoses say why
            rows.append((run_id, task_id, None, None, None, None, json.dumps(reasons)))
            if task_id in loaded.blocked:
                continue  # its technician keeps it, to unblock it
            _update(conn, UNPLAN_TASK, {"id": task_id, "version": loaded.versions[task_id],
                                        "reason": "; ".join(reasons)})
        with conn.cursor() as cur:
            cur.executemany(INSERT_ITEM, rows)
    return run_id


def _update(conn, query: str, values: dict) -> None:
    if conn.execute(query, values).rowcount != 1:
        raise StaleSchedule(f"task {values['id']} changed while the schedule was being computed; run again")


def _whole_minute(moment: datetime) -> datetime:
    moment = moment.astimezone(timezone.utc)
    floored = moment.replace(second=0, microsecond=0)
    return floored if floored == moment else floored + timedelta(minutes=1)


class LoadedShop:
    """The shop as the scheduler sees it. `in_progress`: tasks fixed where they are (in progress or
    paused); `held`: tasks left out of the problem with the reasons they cannot be placed (blocked
    tasks, in `blocked`, and the open tasks waiting on them), `held_minutes` their durations."""

    def __init__(self, problem: Problem, versions: dict[str, int], in_progress: set[str],
                 held: dict[str, list[str]], blocked: set[str], held_minutes: dict[str, int]):
        self.problem, self.versions, self.in_progress = problem, versions, in_progress
        self.held, self.blocked, self.held_minutes = held, blocked, held_minutes


def load_problem(conn, start: datetime, days: int) -> LoadedShop:
    """The pure `Problem` for the shop's open tasks over [start, start + days), read on a psycopg connection."""
    return load_shop(lambda query, params: conn.execute(query.psycopg, params).fetchall(), start, days)


def load_shop(read: ReadRows, start: datetime, days: int) -> LoadedShop:
    """The pure `Problem` for the shop's open tasks over [start, start + days), its rows read with `read`
    (any driver: the API reads them on its own connection, as the caller)."""
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
    tasks, versions, in_progress, busy = [], {}, set(), {}
    for (tid, name, wo, duration, skill, bay_type, needs_parts, parts_at, status, tech, bay,
         p_start, p_end, lock_start, lock_tech, lock_bay, version, _reason) in task_rows:
        tid = str(tid)
        versions[tid] = version
        if tid in held:
            continue
        if status in ("in_progress", "paused"):  # a paused task keeps its technician, bay and time
            if tech is None or p_end is None or p_end <= start:
                continue  # nothing to block any more: dependents may start now
            in_progress.add(tid)
            busy.setdefault(str(tech), []).append(Window(0, minute(p_end)))
            tasks.append(Task(tid, name, str(wo), minute(p_end), skill, bay_type, None, (),
                              Lock(0, str(tech), str(bay) if bay else None)))
            continue
        parts = (NO_ETA if parts_at is None else minute(parts_at)) if needs_parts else None
        lock = Lock(minute(p_start) if lock_start else None, str(tech) if lock_tech else None,
                    str(bay) if lock_bay else None)
        tasks.append(Task(tid, name, str(wo), duration, skill, bay_type, parts,
                          tuple(p for p in preds.get(tid, []) if p in open_ids), lock))
    # Dependencies on finished (or not-blocking in-progress) tasks are already satisfied.
    kept = {t.id for t in tasks}
    tasks = [replace(t, predecessors=tuple(p for p in t.predecessors if p in kept)) for t in tasks]

    previous = []
    for (tid, _, _, duration, _, _, _, _, status, tech, bay, p_start, p_end, *_rest) in task_rows:
        if status == "scheduled" and tech is not None and p_start is not None and str(tid) not in held:
            previous.append(Assignment(str(tid), str(tech), str(bay) if bay else None, minute(p_start), minute(p_end)))

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
    work_orders = [WorkOrder(str(w), None if due is None else minute(due), priority)
                   for w, due, priority in read(SHOP.work_orders, {"ids": [uuid.UUID(w) for w in wo_ids]})]
    weights = Weights(**settings().bayflow_schedule_weights)
    # The horizon starts at `start` on the shop's clock, so reasons read in shop-local time.
    problem = Problem(start.astimezone(tz), horizon, technicians, bays, work_orders, tasks, previous, weights)
    return LoadedShop(problem, versions, in_progress, held, blocked, held_minutes)


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
