"""Step 4: tell the people affected and publish events clients follow live.

Dispatchers get a notification per work order planned in full (with its plan source) or
needing review (with the reasons), and one per newly announced schedule run that left work
out, listing every work order at risk with the tasks not placed and why. Comparing the schedule
run with the last one announced, each task new to a technician or moved is a `task.assigned` or
`task.moved` event (live streams, webhooks); each technician gets one notification per run,
`technician.schedule_changed`, listing their tasks that were assigned, moved or taken away, from
and to, with the run's reason (its stored diff) — one buzz per run, however many tasks moved.
A technician's events name only them in their audience.
"""
from dataclasses import dataclass
from datetime import datetime

from pipelines import runs
from pipelines.events import Event, dispatchers, publish
from pipelines.steps import Batch, Next, queries

NAME = "notify"


@dataclass(frozen=True)
class Item:
    task_id: str
    work_order_id: str
    name: str
    technician_id: str | None
    bay_id: str | None
    starts_at: datetime | None
    ends_at: datetime | None

    def placement(self) -> dict:
        return {"technician_id": self.technician_id, "bay_id": self.bay_id,
                "starts_at": self.starts_at.isoformat() if self.starts_at else None,
                "ends_at": self.ends_at.isoformat() if self.ends_at else None}


@dataclass(frozen=True)
class RunFacts:
    run_id: str
    kind: str
    work_order_id: str | None
    number: int | None
    status: str | None
    plan_source: str | None
    review_reasons: list | None
    created_by: str | None
    creator_role: str | None


@dataclass(frozen=True)
class Loaded:
    runs: list[RunFacts]
    schedule_run_id: str | None
    schedule_status: str | None
    announce: bool                   # False: this schedule run was announced, or a newer one was
    items: list[Item]
    at_risk: list[dict]              # work orders at risk, with the tasks not placed and why
    previous: dict[str, Item]        # task -> its item in the last announced run
    tech_profiles: dict[str, str]    # technician -> profile
    dispatchers: tuple[str, ...]
    reasons: dict[str, str]          # task -> why this run moved it (its stored diff)


def _items(conn, schedule_run_id: str | None) -> list[Item]:
    if schedule_run_id is None:
        return []
    return [Item(*row) for row in conn.execute(queries.notify_items.psycopg,
                                               {"schedule_run_id": schedule_run_id}).fetchall()]


def claim(conn, batch: Batch) -> Batch:
    return Batch(runs.begin_attempt(conn, batch.run_ids, NAME), batch.schedule_run_id)


def load(conn, batch: Batch) -> Loaded:
    schedule_run_id = batch.schedule_run_id
    facts = [RunFacts(*row) for row in conn.execute(queries.notify_runs.psycopg, {"run_ids": batch.run_ids})]
    announced_id, announced_at = conn.execute(queries.notify_announced.psycopg).fetchone() or (None, None)
    status, created_at = None, None
    if schedule_run_id is not None:
        status, created_at = conn.execute(queries.notify_schedule_run.psycopg,
                                          {"schedule_run_id": schedule_run_id}).fetchone()
    announce = schedule_run_id is not None and (announced_at is None or announced_at < created_at)
    previous = {i.task_id: i for i in _items(conn, announced_id)} if announce else {}
    at_risk: dict[str, dict] = {}
    unplaced = conn.execute(queries.notify_at_risk.psycopg, {"schedule_run_id": schedule_run_id}) if announce else ()
    for wo, number, task, name, why in unplaced:
        entry = at_risk.setdefault(wo, {"work_order_id": wo, "number": number, "unplaced_tasks": []})
        entry["unplaced_tasks"].append({"task_id": task, "name": name, "why": why})
    reasons = dict(conn.execute(queries.notify_move_reasons.psycopg, {"schedule_run_id": schedule_run_id})
                   .fetchall()) if announce else {}
    return Loaded(facts, schedule_run_id, status, announce, _items(conn, schedule_run_id), list(at_risk.values()),
                  previous, dict(conn.execute(queries.notify_tech_profiles.psycopg).fetchall()), dispatchers(conn),
                  reasons)


def compute(loaded: Loaded) -> list[Event]:
    """The events (with their audiences and recipients) that the runs and the schedule run call for."""
    events = [_work_order_event(loaded, run) for run in loaded.runs if run.work_order_id is not None]
    if loaded.at_risk:
        events.append(Event("schedule.at_risk", {
            "schedule_run_id": loaded.schedule_run_id, "work_orders": loaded.at_risk},
            schedule_run_id=loaded.schedule_run_id, recipients=loaded.dispatchers))
    if loaded.announce:
        events.extend(_task_events(loaded))
        placed = sum(1 for i in loaded.items if i.starts_at is not None)
        events.append(Event("schedule.published", {
            "schedule_run_id": loaded.schedule_run_id, "status": loaded.schedule_status,
            "scheduled_tasks": placed, "unscheduled_tasks": len(loaded.items) - placed,
            "pipeline_runs": [r.run_id for r in loaded.runs]}, schedule_run_id=loaded.schedule_run_id))
    return events


def _work_order_event(loaded: Loaded, run: RunFacts) -> Event:
    staff = set(loaded.dispatchers)
    if run.created_by and run.creator_role in ("admin", "dispatcher"):
        staff.add(run.created_by)
    common = {"work_order_id": run.work_order_id, "number": run.number, "status": run.status,
              "plan_source": run.plan_source, "pipeline_run_id": run.run_id}
    if run.status == "needs_review":
        return Event("work_order.needs_review", {**common, "review_reasons": run.review_reasons or []},
                     work_order_id=run.work_order_id, recipients=tuple(sorted(staff)))
    mine = [i for i in loaded.items if i.work_order_id == run.work_order_id]
    if run.status == "at_risk":  # dispatchers hear of it once, in the schedule run's schedule.at_risk
        return Event("work_order.at_risk", {
            **common, "schedule_run_id": loaded.schedule_run_id,
            "scheduled_tasks": sum(1 for i in mine if i.starts_at is not None),
            "unscheduled_tasks": sum(1 for i in mine if i.starts_at is None)},
            work_order_id=run.work_order_id, schedule_run_id=loaded.schedule_run_id)
    return Event("work_order.planned", {
        **common, "schedule_run_id": loaded.schedule_run_id,
        "scheduled_tasks": sum(1 for i in mine if i.starts_at is not None),
        "unscheduled_tasks": sum(1 for i in mine if i.starts_at is None)},
        work_order_id=run.work_order_id, schedule_run_id=loaded.schedule_run_id, recipients=tuple(sorted(staff)))


def _task_events(loaded: Loaded) -> list[Event]:
    """task.assigned for a task new to its technician, task.moved when its slot, bay or technician changed
    (old and new technician both in its audience); then one technician.schedule_changed per technician
    listing their changed tasks, the only one of these that lands in their inbox."""
    events, changed = [], {}
    for item in loaded.items:
        before = loaded.previous.get(item.task_id)
        was_placed = before is not None and before.starts_at is not None
        if item.starts_at is None and not was_placed:
            continue
        if was_placed and before.placement() == item.placement():
            continue
        techs = [t for t in (item.technician_id, before.technician_id if was_placed else None) if t]
        people = tuple(dict.fromkeys(loaded.tech_profiles[t] for t in techs if t in loaded.tech_profiles))
        payload = {"task_id": item.task_id, "work_order_id": item.work_order_id, "name": item.name,
                   "schedule_run_id": loaded.schedule_run_id, **item.placement()}
        kind = "task.moved" if was_placed else "task.assigned"
        if was_placed:
            payload["previous"] = before.placement()
        events.append(Event(kind, payload, work_order_id=item.work_order_id, task_id=item.task_id,
                            schedule_run_id=loaded.schedule_run_id, audience=people))
        for tech in dict.fromkeys(techs):
            if tech in loaded.tech_profiles:
                changed.setdefault(tech, []).append(_change_for(loaded, tech, item, before if was_placed else None))
    for tech, tasks in changed.items():
        profile = (loaded.tech_profiles[tech],)
        events.append(Event("technician.schedule_changed", {
            "schedule_run_id": loaded.schedule_run_id, "technician_id": tech, "tasks": tasks},
            schedule_run_id=loaded.schedule_run_id, audience=profile, recipients=profile))
    return events


def _change_for(loaded: Loaded, tech: str, item: Item, before: Item | None) -> dict:
    """One line of a technician's notification: `assigned` (new to them), `moved` (still theirs) or
    `removed` (gone to someone else or off the schedule), from and to, and why."""
    if before is None or before.technician_id != tech:
        change = "assigned"
    elif item.technician_id != tech:
        change = "removed"
    else:
        change = "moved"
    return {"task_id": item.task_id, "work_order_id": item.work_order_id, "name": item.name, "change": change,
            "from": before.placement() if before is not None else None,
            "to": item.placement() if item.starts_at is not None else None,
            "reason": loaded.reasons.get(item.task_id, "placed" if before is None else "re-planned")}


def save(conn, batch: Batch, loaded: Loaded, events: list[Event]) -> Next:
    published = publish(conn, events)
    runs.finish_step(conn, batch.run_ids, NAME, next_step=None, detail={"events": len(published.event_ids)})
    return Next(None, batch.run_ids, deliveries=published.deliveries)
