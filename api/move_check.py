"""The what-if of a proposed move (`scheduler.whatif`) against the shop as the caller sees it:
the shop is loaded the way the scheduling pipeline loads it (`pipelines.schedule_run.load_shop`),
its rows read on the request's own connection and transaction (RLS as the caller), the proposal
judged against the current plan, and the answer turned into the API's `WhatIfResult` (ids, times,
names). Building the shop and judging the move are CPU work: they run in a worker thread, which
sends each read back to the event loop. The loaded shop is reused while it is unchanged
(`api.shop_snapshots`)."""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import UUID

import anyio.from_thread
import anyio.to_thread
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from api.problems import ProblemError
from api.queries import load
from api.schemas.schedule import LatenessChange, Placement, PushedTask, Slot, Violation, WhatIfRequest, WhatIfResult
from api.schemas.tasks import Task
from api.shop_snapshots import ShopSnapshots, fingerprint
from pipelines.schedule_run import LoadedShop, ReadRows, load_shop
from scheduler.problem import Assignment, Problem
from scheduler.whatif import BadProposal, Proposal, WhatIf, what_if

SQL = load("move_check")
MAX_DAYS = 60  # the longest horizon a what-if loads (the scheduler's own limit)


@dataclass(frozen=True)
class Judgement:
    answer: WhatIf
    problem: Problem
    result: WhatIfResult


def placements_of(loaded: LoadedShop) -> dict[str, Assignment]:
    """Where each open task is now: the scheduled ones as planned, the ones in progress from now to their end."""
    placed = {a.task: a for a in loaded.problem.previous}
    for tid in loaded.in_progress:
        task = loaded.problem.task_by_id[tid]
        placed[tid] = Assignment(tid, task.lock.technician, task.lock.bay, 0, task.duration)
    return placed


def _horizon(task: Task, body: WhatIfRequest, days: int) -> tuple[datetime, int]:
    """From this minute, long enough to hold the proposal (and the task's current place); in whole
    weeks past the planning horizon, so that proposals a few days apart share a snapshot."""
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    latest = max([m for m in (body.start, task.planned_start) if m is not None], default=now)
    needed = math.ceil((latest - now + timedelta(minutes=task.duration_minutes)) / timedelta(days=1)) + 1
    return now, min(MAX_DAYS, days if needed <= days else 7 * math.ceil(needed / 7))


def _snapshots(request: Request) -> ShopSnapshots:
    state = request.app.state
    if getattr(state, "shop_snapshots", None) is None:
        state.shop_snapshots = ShopSnapshots()
    return state.shop_snapshots


def _judge(read: ReadRows, snapshots: ShopSnapshots, body: WhatIfRequest, start: datetime, days: int,
           shop_key: tuple) -> tuple[WhatIf, Problem]:
    loaded = snapshots.get((shop_key, start, days), lambda: load_shop(read, start, days))
    problem = loaded.problem
    minute = None if body.start is None else int((body.start - start).total_seconds() // 60)
    proposal = Proposal(str(body.task_id), body.technician_id and str(body.technician_id),
                        body.bay_id and str(body.bay_id), minute)
    return what_if(problem, placements_of(loaded), proposal, frozenset(loaded.in_progress)), problem


async def judge(request: Request, conn: AsyncConnection, body: WhatIfRequest,
                task: Task) -> Judgement:
    """The what-if of `body` for `task` (read by the caller); 409 when the task is not open, 422 for an
    unknown technician or bay or an unplaced task without a start."""
    if task.status in ("done", "cancelled"):
        raise ProblemError(409, "Task not open", f"task {task.id} is {task.status}; it cannot move",
                           [{"field": "task_id", "message": f"the task is {task.status}"}])
    start, days = _horizon(task, body, request.app.state.settings.bayflow_schedule_horizon_days)
    shop_key = await fingerprint(conn)

    async def rows(query, params: dict):
        return (await conn.execute(query.text, params)).all()

    def read(query, params: dict):  # in the worker thread: the query runs on the event loop
        return anyio.from_thread.run(rows, query, params)

    try:
        answer, problem = await anyio.to_thread.run_sync(_judge, read, _snapshots(request), body, start, days,
                                                          shop_key)
    except BadProposal as bad:
        status, title = (409, "Task not open") if bad.field == "task_id" else (422, "Invalid move")
        if bad.field == "task_id":
            bad.message = (f"task {task.id} is not among the tasks the schedule plans: its work order is closed,"
                           " it is in progress or paused past its planned end, or it is blocked or waits on a"
                           " blocked task")
        raise ProblemError(status, title, bad.message, [{"field": bad.field, "message": bad.message}]) from None
    return Judgement(answer, problem, await to_result(conn, problem, answer))


async def to_result(conn: AsyncConnection, problem: Problem, answer: WhatIf) -> WhatIfResult:
    numbers = dict((await conn.execute(SQL.numbers.text, {"ids": [x.work_order for x in answer.lateness]})).all())
    at = problem.clock
    placement = answer.placement
    return WhatIfResult(
        feasible=answer.feasible,
        violations=[Violation(kind=v.kind, message=v.message, field=v.field) for v in answer.violations],
        pushed=[PushedTask(task_id=p.task, task_name=problem.task_by_id[p.task].name, from_start=at(p.from_start),
                           to_start=None if p.to_start is None else at(p.to_start), minutes=p.minutes)
                for p in answer.pushed],
        lateness=[LatenessChange(work_order_id=x.work_order, work_order_number=numbers[UUID(x.work_order)],
                                 before_minutes=x.before, after_minutes=x.after) for x in answer.lateness],
        nearest=[Slot(technician_id=s.technician, technician_name=problem.tech_by_id[s.technician].name,
                      bay_id=s.bay, start=at(s.start), end=at(s.end)) for s in answer.nearest],
        placement=Placement(technician_id=placement.technician or None, bay_id=placement.bay,
                            start=at(placement.start), end=at(placement.end)),
    )
