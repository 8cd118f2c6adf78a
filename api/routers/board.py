"""`GET /v1/board`: everything the dispatcher board draws for a time range, in one response (staff).

Shifts, time off and bay downtime are the calendar's occurrences in the range, recurring on
the shop's wall clock (the scheduler's own expansion, `pipelines.schedule_run.occurrences`).
"""
from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from api.deps import Connection, require_roles
from api.problems import ProblemError
from api.queries import load
from api.schemas.board import (
    Asset, Board, BoardBay, BoardRange, BoardShop, BoardTask, BoardTechnician, BoardWorkOrder, Interval, LatestRun,
)
from api.schemas.common import Timestamp
from pipelines.schedule_run import occurrences

SQL = load("board")

router = APIRouter(prefix="/v1/board", tags=["board"], dependencies=[Depends(require_roles("admin", "dispatcher"))])

MAX_RANGE = timedelta(days=31)


@router.get("", response_model=Board)
async def board(conn: Connection,
                from_: Annotated[Timestamp, Query(alias="from", description="range start, with an offset")],
                to: Annotated[Timestamp, Query(description="range end, at most 31 days after `from`")]):
    """Technicians with their shifts and time off, bays with their downtime, the tasks placed in the
    range and the open unplaced ones, their work orders, and the latest schedule run."""
    if to <= from_:
        raise ProblemError(422, "Invalid request", "`to` must be after `from`",
                           [{"field": "to", "message": "must be after from"}])
    if to - from_ > MAX_RANGE:
        raise ProblemError(422, "Invalid request", "the range may span at most 31 days",
                           [{"field": "to", "message": "at most 31 days after from"}])
    shop = (await conn.execute(SQL.shop.text)).one()
    tz = ZoneInfo(shop.timezone)
    shifts: dict = {}
    time_off: dict = {}
    downtime: dict = {}
    calendar = await conn.execute(SQL.calendar.text, {"from": from_, "to": to})
    for kind, tech, bay, starts, ends, recurrence, until in calendar:
        target = {"shift": shifts, "time_off": time_off, "bay_downtime": downtime}[kind]
        found = target.setdefault(tech or bay, [])
        for s, e in occurrences(starts, ends, recurrence, until, tz, from_, to):
            found.append(Interval(start=s, end=e))
    technicians = [BoardTechnician(id=r.id, name=r.name, skills=r.skills, shifts=_sorted(shifts.get(r.id)),
                                   time_off=_sorted(time_off.get(r.id)))
                   for r in await conn.execute(SQL.technicians.text)]
    bays = [BoardBay(id=r.id, name=r.name, bay_type=r.bay_type, downtime=_sorted(downtime.get(r.id)))
            for r in await conn.execute(SQL.bays.text)]
    tasks = [BoardTask.model_validate(dict(r._mapping))
             for r in await conn.execute(SQL.tasks.text, {"from": from_, "to": to})]
    work_orders = [
        BoardWorkOrder(id=r.id, number=r.number, description=r.description, customer_name=r.customer_name,
                       asset=Asset(kind=r.asset_kind, make=r.asset_make, model=r.asset_model, year=r.asset_year,
                                   plate=r.plate, vin=r.vin),
                       priority=r.priority, due_at=r.due_at, status=r.status, late_minutes=r.late_minutes,
                       review_reasons=r.review_reasons)
        for r in await conn.execute(SQL.work_orders.text, {"ids": list({t.work_order_id for t in tasks})})]
    run = (await conn.execute(SQL.latest_run.text)).first()
    return Board(shop=BoardShop(name=shop.name, timezone=shop.timezone), range=BoardRange(from_=from_, to=to),
                 technicians=technicians, bays=bays, tasks=tasks, work_orders=work_orders,
                 latest_run=LatestRun.model_validate(dict(run._mapping)) if run else None)


def _sorted(intervals: list[Interval] | None) -> list[Interval]:
    return sorted(intervals or [], key=lambda i: i.start)
