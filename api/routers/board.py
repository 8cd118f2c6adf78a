"""`GET /v1/board`: everything the dispatcher board draws for a time range, in one response (staff).

Shifts, time off and bay downtime are the calendar's occurrences in the range, recurring on
the shop's wall clock (the scheduler's own expansion, `pipelines.schedule_run.occurrences`).
"""
from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from sqlalchemy import text

from api.deps import Connection, require_roles
from api.problems import ProblemError
from api.schemas.board import (
    Asset, Board, BoardBay, BoardRange, BoardShop, BoardTask, BoardTechnician, BoardWorkOrder, Interval, LatestRun,
)
from api.schemas.common import Timestamp
from pipelines.schedule_run import occurrences

router = APIRouter(prefix="/v1/board", tags=["board"], dependencies=[Depends(require_roles("admin", "dispatcher"))])

MAX_RANGE = timedelta(days=31)

SHOP = text("select name, timezone from public.shop_settings")
TECHNICIANS = text("select id, name, skills from public.technicians where active order by name, id")
BAYS = text("select id, name, bay_type from public.bays where active order by name, id")
# Events up to 14 days long: a recurrence that ended 15 days before the range cannot reach it.
CALENDAR = text("""select kind, technician_id, bay_id, starts_at, ends_at, recurrence, recurrence_until
  from public.calendar_events
 where starts_at < :to
   and (case when recurrence = 'none' then ends_at > :from
             else recurrence_until >= cast(cast(:from as timestamptz) - interval '15 days' as date) end)
 order by starts_at""")

TASKS = text("""select t.id, t.name, t.work_order_id, w.number as work_order_number, t.status,
  t.assigned_technician_id as technician_id, t.bay_id, t.planned_start, t.planned_end, t.duration_minutes,
  t.required_skill, t.required_bay_type, t.lock_start, t.lock_technician, t.lock_bay, t.needs_parts,
  t.parts_ready_at, t.version,
  array(select d.depends_on_task_id from public.task_dependencies d where d.task_id = t.id
        order by d.depends_on_task_id) as depends_on
from public.tasks t join public.work_orders w on w.id = t.work_order_id
where (t.planned_start < :to and t.planned_end > :from)
   or (t.planned_start is null and t.status in ('pending', 'scheduled')
       and w.status not in ('done', 'cancelled'))
order by t.planned_start nulls last, w.number, t.position, t.id""")

WORK_ORDERS = text("""select w.id, w.number, w.description, w.customer_name, w.asset_kind, w.asset_make,
  w.asset_model, w.asset_year, w.plate, w.vin, w.priority, w.due_at, w.status, w.review_reasons,
  case when w.due_at is null or w.status in ('done', 'cancelled') then 0
       else greatest(0, ceil(extract(epoch from greatest(
         (select max(t.planned_end) from public.tasks t
           where t.work_order_id = w.id and t.status in ('pending', 'scheduled', 'in_progress', 'paused')),
         (select now() from public.tasks t
           where t.work_order_id = w.id and t.status in ('pending', 'scheduled') and t.planned_start is null
           limit 1)) - w.due_at) / 60))::int end as late_minutes
from public.work_orders w where w.id = any(cast(:ids as uuid[])) order by w.number""")

LATEST_RUN = text("""select r.id, r.status, r.created_at, r.objective_value, r.gap,
  (select count(*) from public.schedule_items i where i.run_id = r.id and i.starts_at is null) as unplaced_count
from public.schedule_runs r order by r.created_at desc, r.id desc limit 1""")


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
    shop = (await conn.execute(SHOP)).one()
    tz = ZoneInfo(shop.timezone)
    shifts: dict = {}
    time_off: dict = {}
    downtime: dict = {}
    for kind, tech, bay, starts, ends, recurrence, until in await conn.execute(CALENDAR, {"from": from_, "to": to}):
        target = {"shift": shifts, "time_off": time_off, "bay_downtime": downtime}[kind]
        found = target.setdefault(tech or bay, [])
        for s, e in occurrences(starts, ends, recurrence, until, tz, from_, to):
            found.append(Interval(start=s, end=e))
    technicians = [BoardTechnician(id=r.id, name=r.name, skills=r.skills, shifts=_sorted(shifts.get(r.id)),
                                   time_off=_sorted(time_off.get(r.id)))
                   for r in await conn.execute(TECHNICIANS)]
    bays = [BoardBay(id=r.id, name=r.name, bay_type=r.bay_type, downtime=_sorted(downtime.get(r.id)))
            for r in await conn.execute(BAYS)]
    tasks = [BoardTask.model_validate(dict(r._mapping)) for r in await conn.execute(TASKS, {"from": from_, "to": to})]
    work_orders = [
        BoardWorkOrder(id=r.id, number=r.number, description=r.description, customer_name=r.customer_name,
                       asset=Asset(kind=r.asset_kind, make=r.asset_make, model=r.asset_model, year=r.asset_year,
                                   plate=r.plate, vin=r.vin),
                       priority=r.priority, due_at=r.due_at, status=r.status, late_minutes=r.late_minutes,
                       review_reasons=r.review_reasons)
        for r in await conn.execute(WORK_ORDERS, {"ids": list({t.work_order_id for t in tasks})})]
    run = (await conn.execute(LATEST_RUN)).first()
    return Board(shop=BoardShop(name=shop.name, timezone=shop.timezone), range=BoardRange(from_=from_, to=to),
                 technicians=technicians, bays=bays, tasks=tasks, work_orders=work_orders,
                 latest_run=LatestRun.model_validate(dict(run._mapping)) if run else None)


def _sorted(intervals: list[Interval] | None) -> list[Interval]:
    return sorted(intervals or [], key=lambda i: i.start)
