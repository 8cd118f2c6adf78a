"""Shop seeds (`seeds/*.json`, format in `seeds/shop.schema.json`): validate, place the
relative times in the shop's timezone, and upsert everything in one transaction.

Rows are upserted by fixed ids (users carry theirs; every other id is derived from the
row's key), so loading twice keeps one copy of each row, restored to the seed's values.
"""
import json
import re
import uuid
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from psycopg import sql

from bayflow.paths import SEEDS, SQL
from bayflow.queries import load

DEMO_SHOP = SEEDS / "demo_shop.json"
SCHEMA = SEEDS / "shop.schema.json"
SEED_ACTOR = "seed"
QUERIES = load(SQL / "seed.sql")

_KEY_IDS = uuid.UUID("5d0c2f3e-8a61-4c1b-9a57-0b1a7f10e5ed")  # namespace of the ids derived from keys
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WHEN = re.compile(r"([+-]\d+)(?:d (\d\d):(\d\d)|w (\w{3}) (\d\d):(\d\d)|(h|m))")
_DAY = re.compile(r"([+-]\d+)d")


class SeedError(Exception):
    """A seed file that cannot be loaded; the message names the file and the field."""


def load_demo_shop(conn, now: datetime | None = None) -> dict[str, int]:
    """Load `seeds/demo_shop.json`; see `load_seed`."""
    return load_seed(conn, DEMO_SHOP, now)


def load_seed(conn, path: Path, now: datetime | None = None) -> dict[str, int]:
    """Upsert the shop in `path` on a psycopg connection (as the owner) in one transaction
    (a savepoint if the caller has one open), with `bayflow.actor` = 'seed' for the audit
    log. Times are relative to `now` (default: the current time). Returns rows per table.

    Raises SeedError for an invalid file; database errors propagate with nothing written.
    """
    tables, settings = _rows(_read(path), now or datetime.now(timezone.utc), path.name)
    with conn.transaction():
        conn.execute(QUERIES.as_seed.psycopg, {"actor": SEED_ACTOR})
        conn.execute(QUERIES.shop_settings.psycopg, settings)
        for table, key_columns, records in tables:
            _upsert(conn, table, key_columns, records)
    return {table: len(records) for table, _, records in tables}


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SeedError(f"{path.name}: cannot be read as JSON: {exc}") from exc
    error = best_match(Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).iter_errors(data))
    if error is not None:
        raise SeedError(f"{path.name}: {_where(error.absolute_path) or 'top level'}: {error.message}")
    return data


def _where(path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _key_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(_KEY_IDS, f"{kind}:{key}")


class _Clock:
    """Turns the seed's relative times into instants in the shop's timezone."""

    def __init__(self, now: datetime, tz: ZoneInfo):
        self.now = now.astimezone(tz)
        self.tz = tz
        self.today = self.now.date()

    def at(self, spec: str) -> datetime:
        days, hh, mm, weekday, whh, wmm, unit = _WHEN.fullmatch(spec).groups()
        n = int(days)
        if unit:
            return self.now.replace(second=0, microsecond=0) + timedelta(**{"hours" if unit == "h" else "minutes": n})
        if weekday:
            monday = self.today - timedelta(days=self.today.weekday())
            day, hh, mm = monday + timedelta(weeks=n, days=_WEEKDAYS.index(weekday)), whh, wmm
        else:
            day = self.today + timedelta(days=n)
        return datetime.combine(day, time(int(hh), int(mm)), self.tz)

    def maybe(self, spec: str | None) -> datetime | None:
        return None if spec is None else self.at(spec)

    def day(self, spec: str) -> date:
        return self.today + timedelta(days=int(_DAY.fullmatch(spec).group(1)))


class _Keys:
    """Ids of one kind of row by key; names the field of a duplicate or unknown key."""

    def __init__(self, file: str, kind: str):
        self.file, self.kind, self.ids = file, kind, {}

    def add(self, key: str, where: str, row_id: uuid.UUID | None = None) -> uuid.UUID:
        if key in self.ids:
            raise SeedError(f"{self.file}: {where}: {self.kind} '{key}' is defined twice")
        self.ids[key] = row_id or _key_id(self.kind, key)
        return self.ids[key]

    def get(self, key: str | None, where: str) -> uuid.UUID | None:
        if key is None:
            return None
        if key not in self.ids:
            raise SeedError(f"{self.file}: {where}: no {self.kind} '{key}' in this seed")
        return self.ids[key]


def _rows(seed: dict, now: datetime, file: str):
    """(table, key columns, records) in insertion order, and the shop_settings values."""
    shop = seed["shop"]
    try:
        clock = _Clock(now, ZoneInfo(shop["timezone"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SeedError(f"{file}: shop.timezone: unknown timezone '{shop['timezone']}'") from exc
    settings = {"name": shop["name"], "timezone": shop["timezone"],
                "local_date_format": shop.get("local_date_format", "DD/MM/YYYY")}
    users, technicians, bays = _Keys(file, "user"), _Keys(file, "technician"), _Keys(file, "bay")
    auth_users, profiles, tech_rows, bay_rows = _people_and_bays(seed, users, technicians, bays)
    work_orders, tasks, dependencies = _work_orders(seed, file, clock, technicians, bays)
    tables = [
        ("auth.users", ("id",), auth_users),
        ("public.profiles", ("id",), profiles),
        ("public.technicians", ("id",), tech_rows),
        ("public.bays", ("id",), bay_rows),
        ("public.calendar_events", ("id",), _calendar_events(seed, file, clock, technicians, bays)),
        ("public.work_orders", ("id",), work_orders),
        ("public.tasks", ("id",), tasks),
        ("public.task_dependencies", ("task_id", "depends_on_task_id"), dependencies),
    ]
    return tables, settings


def _people_and_bays(seed: dict, users: _Keys, technicians: _Keys, bays: _Keys):
    auth_users, profiles = [], []
    for i, u in enumerate(seed["users"]):
        user_id = users.add(u["email"], f"users[{i}].email", uuid.UUID(u["id"]))
        auth_users.append({"id": user_id, "email": u["email"]})
        profiles.append({"id": user_id, "role": u["role"], "display_name": u["display_name"], "email": u["email"]})
    tech_rows = [
        {"id": technicians.add(t["key"], f"technicians[{i}].key"), "name": t["name"], "skills": t["skills"],
         "profile_id": users.get(t.get("user"), f"technicians[{i}].user"), "active": t.get("active", True)}
        for i, t in enumerate(seed["technicians"])
    ]
    bay_rows = [
        {"id": bays.add(b["key"], f"bays[{i}].key"), "name": b["name"], "bay_type": b["bay_type"],
         "capabilities": b.get("capabilities", []), "active": b.get("active", True)}
        for i, b in enumerate(seed["bays"])
    ]
    return auth_users, profiles, tech_rows, bay_rows


def _calendar_events(seed: dict, file: str, clock: _Clock, technicians: _Keys, bays: _Keys) -> list[dict]:
    events, keys = [], _Keys(file, "calendar event")
    for i, e in enumerate(seed["calendar_events"]):
        where = f"calendar_events[{i}]"
        owner = "bay" if e["kind"] == "bay_downtime" else "technician"
        if owner not in e or ({"bay", "technician"} - {owner}) & e.keys():
            raise SeedError(f"{file}: {where}: a {e['kind']} event names exactly one {owner}")
        events.append({
            "id": keys.add(e["key"], f"{where}.key"), "kind": e["kind"],
            "technician_id": technicians.get(e.get("technician"), f"{where}.technician"),
            "bay_id": bays.get(e.get("bay"), f"{where}.bay"),
            "starts_at": clock.at(e["starts_at"]), "ends_at": clock.at(e["ends_at"]),
            "recurrence": e.get("recurrence", "none"),
            "recurrence_until": clock.day(e["recurrence_until"]) if "recurrence_until" in e else None,
            "note": e.get("note"),
        })
    return events


def _work_orders(seed: dict, file: str, clock: _Clock, technicians: _Keys, bays: _Keys):
    """Rows of work_orders, tasks and task_dependencies."""
    work_orders, tasks, dependencies, keys = [], [], [], _Keys(file, "work order")
    for i, w in enumerate(seed["work_orders"]):
        where = f"work_orders[{i}]"
        wo_id = keys.add(w["key"], f"{where}.key")
        work_orders.append({
            "id": wo_id, "source": SEED_ACTOR, "external_id": w["key"],
            **{c: w.get(c) for c in ("customer_name", "customer_phone", "customer_email", "asset_make", "asset_model",
                                     "asset_year", "vin", "plate", "mileage", "urgency", "category")},
            "asset_kind": w.get("asset_kind", "vehicle"), "description": w["description"],
            "priority": w["priority"], "due_at": clock.maybe(w.get("due_at")), "status": w.get("status", "new"),
        })
        task_keys = _Keys(file, f"task of {w['key']}")
        for j, t in enumerate(w["tasks"]):
            task_keys.add(t["key"], f"{where}.tasks[{j}].key", _key_id("task", f"{w['key']}/{t['key']}"))
        for j, t in enumerate(w["tasks"]):
            at = f"{where}.tasks[{j}]"
            task_id = task_keys.ids[t["key"]]
            tasks.append({
                "id": task_id, "work_order_id": wo_id, "position": j, "name": t["name"],
                "duration_minutes": t["duration_minutes"], "required_skill": t["required_skill"],
                "required_bay_type": t.get("required_bay_type"), "needs_parts": t.get("needs_parts", False),
                "parts_ready_at": clock.maybe(t.get("parts_ready_at")), "status": t.get("status", "pending"),
                "assigned_technician_id": technicians.get(t.get("technician"), f"{at}.technician"),
                "bay_id": bays.get(t.get("bay"), f"{at}.bay"),
                "planned_start": clock.maybe(t.get("planned_start")), "planned_end": clock.maybe(t.get("planned_end")),
                "lock_start": t.get("lock_start", False), "lock_technician": t.get("lock_technician", False),
                "lock_bay": t.get("lock_bay", False), "notes": t.get("notes"),
            })
            dependencies += [
                {"task_id": task_id, "depends_on_task_id": task_keys.get(before, f"{at}.after")}
                for before in t.get("after", [])
            ]
    return work_orders, tasks, dependencies


def _upsert(conn, table: str, key_columns: tuple[str, ...], records: list[dict]) -> None:
    if not records:
        return
    columns = list(records[0])
    others = [c for c in columns if c not in key_columns]
    target = sql.Identifier(*table.split("."))
    # Rows already as seeded are left alone: no version bump, no audit entry.
    on_conflict = sql.SQL("do update set ({columns}) = row({new}) where ({old}) is distinct from ({new})").format(
        columns=sql.SQL(", ").join(map(sql.Identifier, others)),
        new=sql.SQL(", ").join(sql.SQL("excluded.{}").format(sql.Identifier(c)) for c in others),
        old=sql.SQL(", ").join(sql.SQL("{}.{}").format(target, sql.Identifier(c)) for c in others),
    ) if others else sql.SQL("do nothing")
    statement = sql.SQL("insert into {table} ({columns}) values ({values}) on conflict ({keys}) {action}").format(
        table=target,
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        keys=sql.SQL(", ").join(map(sql.Identifier, key_columns)),
        action=on_conflict,
    )
    with conn.cursor() as cur:
        cur.executemany(statement, [tuple(r[c] for c in columns) for r in records])
