"""`GET /v1/me/tasks`: a technician's tasks of one day (default today in the shop's time zone),
with the vehicle, bay, parts, what each waits on, why it is scheduled there, the work order's
other tasks, and what was moved or reassigned to them since their last look.

The last look is recorded per person: the first GET records one (nothing is "changed" on a
first look); `POST /v1/me/seen` (or `GET ...?mark_seen=true`, after the answer is computed)
moves it forward. Changes come from the audit log (bayflow.my_task_changes), so a
dispatcher's PATCH, a board move and a schedule run are all reported alike.
"""
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncConnection

from api.deps import Connection
from api.problems import ProblemError
from api.queries import load
from api.schemas.my_tasks import MyDay, Seen, SeenMark

SQL = load("my_tasks")

router = APIRouter(prefix="/v1/me", tags=["me"])


async def _technician(conn: AsyncConnection):
    technician = (await conn.execute(SQL.technician.text)).scalar()
    if technician is None:
        raise ProblemError(403, "Forbidden", "only technicians have a task list; dispatchers use the board")
    return technician


@router.get("/tasks", response_model=MyDay)
async def my_tasks(
    conn: Connection,
    day: Annotated[date | None, Query(description="YYYY-MM-DD in the shop's time zone; default today")] = None,
    mark_seen: Annotated[bool, Query(description="record this answer as your last look")] = False,
):
    technician = await _technician(conn)
    shop = (await conn.execute(SQL.shop.text)).one()
    zone = ZoneInfo(shop.timezone)
    today = shop.now.astimezone(zone).date()
    day = day or today
    day_start = datetime.combine(day, time(0), zone)
    day_end = datetime.combine(day + timedelta(days=1), time(0), zone)
    rows = (await conn.execute(SQL.tasks.text, {"technician": technician, "day_start": day_start, "day_end": day_end,
                                        "today": day == today})).all()
    ids = [r.id for r in rows]
    context = {c.task_id: c for c in (await conn.execute(SQL.context.text, {"ids": ids})).all()}
    seen_at = (await conn.execute(SQL.last_look.text)).scalar()
    changes = {c.task_id: c for c in (await conn.execute(SQL.changes.text, {"since": seen_at, "ids": ids})).all()}
    tasks = [_task(r, context.get(r.id), changes.get(r.id), shop.now, zone) for r in rows]
    banner = [{"task_id": t["id"], "kind": t["changed"]["kind"], "message": _message(t, changes[t["id"]], zone, day)}
              for t in tasks if t["changed"]]
    if mark_seen:
        seen_at = (await conn.execute(SQL.mark_seen.text, {"at": None})).scalar()
    return {"day": day, "timezone": shop.timezone, "seen_at": seen_at, "as_of": shop.now, "tasks": tasks,
            "changes": banner}


@router.post("/seen", response_model=Seen)
async def mark_seen(body: SeenMark, conn: Connection):
    """Record your last look at your task list (changes after it are reported next time)."""
    await _technician(conn)
    return {"seen_at": (await conn.execute(SQL.mark_seen.text, {"at": body.at})).scalar()}


def _parts(row, now: datetime) -> dict:
    if not row.needs_parts:
        status = "none"
    elif row.parts_ready_at is None:
        status = "no_eta"
    else:
        status = "ready" if row.parts_ready_at <= now else "due"
    return {"needs_parts": row.needs_parts, "ready_at": row.parts_ready_at, "status": status}


def _clock(moment: datetime, zone: ZoneInfo, day: date | None = None) -> str:
    """`14:00` on `day` (the task's own day), else `Tue 9 Dec 14:00`."""
    local = moment.astimezone(zone)
    if day is not None and local.date() == day:
        return local.strftime("%H:%M")
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _task(row, context, change, now: datetime, zone: ZoneInfo) -> dict:
    parts = _parts(row, now)
    task_day = row.planned_start.astimezone(zone).date() if row.planned_start else None
    waits_on = [f"after '{d['name']}'" for d in context.waits_on_tasks] if context else []
    if parts["status"] == "due":
        waits_on.append(f"parts due {_clock(row.parts_ready_at, zone, task_day)}")
    elif parts["status"] == "no_eta":
        waits_on.append("parts (no ETA yet)")
    changed = None
    if change is not None:
        changed = {"kind": change.kind, "at": change.changed_at,
                   "from": None if change.kind == "new" else {"starts_at": change.from_starts_at,
                                                             "technician": change.from_technician}}
    return {
        "id": row.id, "name": row.name, "status": row.status,
        "planned_start": row.planned_start, "planned_end": row.planned_end,
        "actual_start": row.actual_start, "actual_end": row.actual_end, "blocked_reason": row.blocked_reason,
        "notes": row.notes, "instructions": row.instructions,
        "bay": {"id": row.bay_id, "name": row.bay_name} if row.bay_id else None,
        "work_order": {"id": row.wo_id, "number": row.number, "description": row.description,
                       "asset_make": row.asset_make, "asset_model": row.asset_model, "asset_year": row.asset_year,
                       "plate": row.plate, "vin": row.vin},
        "parts": parts, "waits_on": waits_on,
        "why": [str(w) for w in context.why] if context else [],
        "other_tasks": context.other_tasks if context else [],
        "changed": changed, "version": row.version,
    }


def _message(task: dict, change, zone: ZoneInfo, day: date) -> str:
    """The banner line of one change, times as on the list's `day`."""
    name = task["name"]
    starts = task["planned_start"]
    when = _clock(starts, zone, day) if starts else "unscheduled"
    if change.kind == "moved":
        was = _clock(change.from_starts_at, zone, day) if change.from_starts_at else "unscheduled"
        return f"'{name}' moved from {was} to {when}"
    if change.kind == "reassigned":
        return f"'{name}' was reassigned to you from {change.from_technician or 'another technician'} ({when})"
    return f"'{name}' is new on your list ({when})"
