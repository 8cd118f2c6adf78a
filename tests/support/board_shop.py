"""A shop for the dispatcher board's endpoints, on top of `shop.seed_people` (Ana and Ben: brakes):
Cy (general only), the shop's two lifts, everybody's daily 08:00-16:00 UTC shift, and tomorrow's plan:
work order 1 ('Inspect brakes' 08:00-09:00 then 'Replace pads' 09:00-10:30, both Ana in Lift 1),
work order 2 ('Oil change', any technician, not placed)."""
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from tests.support.shop import LIFT_1, TECHNICIAN_ANA, TECHNICIAN_BEN, seed_lifts

TECHNICIAN_C = uuid.UUID("00000000-0000-4000-c000-000000000013")


@dataclass(frozen=True)
class BoardShop:
    day: datetime  # tomorrow 00:00 UTC
    wo_brakes: uuid.UUID
    wo_oil: uuid.UUID
    inspect: uuid.UUID
    pads: uuid.UUID
    oil: uuid.UUID

    def at(self, hours: float) -> datetime:
        """Tomorrow at `hours` UTC."""
        return self.day + timedelta(hours=hours)


def seed_board_shop(conn) -> BoardShop:
    today = datetime.now(timezone.utc).date()
    day = datetime.combine(today + timedelta(days=1), time(0), timezone.utc)
    conn.execute("insert into public.technicians (id, name, skills) values (%s, 'Cy', '{general}')", (TECHNICIAN_C,))
    seed_lifts(conn)
    first_shift = datetime.combine(today - timedelta(days=1), time(8), timezone.utc)
    for tech in (TECHNICIAN_ANA, TECHNICIAN_BEN, TECHNICIAN_C):
        conn.execute("insert into public.calendar_events (kind, technician_id, starts_at, ends_at, recurrence,"
                     " recurrence_until) values ('shift', %s, %s, %s, 'daily', %s)",
                     (tech, first_shift, first_shift + timedelta(hours=8), today + timedelta(days=30)))
    wo_brakes, wo_oil = (conn.execute(
        "insert into public.work_orders (description, customer_name, asset_make, asset_model, plate, due_at, status)"
        " values (%s, 'Dana Kim', 'Toyota', 'Corolla', 'KA-123', %s, 'scheduled') returning id",
        (text, due)).fetchone()[0] for text, due in (("Brake noise", day + timedelta(hours=14)), ("Oil change", None)))
    inspect, pads = (conn.execute(
        "insert into public.tasks (work_order_id, position, name, duration_minutes, required_skill, required_bay_type,"
        " status, assigned_technician_id, bay_id, planned_start, planned_end)"
        " values (%s, %s, %s, %s, %s, 'lift', 'scheduled', %s, %s, %s, %s) returning id",
        (wo_brakes, pos, name, minutes, skill, TECHNICIAN_ANA, LIFT_1, day + start,
         day + start + timedelta(minutes=minutes))
    ).fetchone()[0] for pos, name, minutes, skill, start in (
        (0, "Inspect brakes", 60, None, timedelta(hours=8)), (1, "Replace pads", 90, "brakes", timedelta(hours=9))))
    conn.execute("insert into public.task_dependencies (task_id, depends_on_task_id) values (%s, %s)", (pads, inspect))
    oil = conn.execute("insert into public.tasks (work_order_id, name, duration_minutes)"
                       " values (%s, 'Oil change', 45) returning id", (wo_oil,)).fetchone()[0]
    return BoardShop(day, wo_brakes, wo_oil, inspect, pads, oil)
