"""Step 2: turn a work order into tasks — durations, skills, bay types, parts, dependencies.

Planned by the LLM gateway, grounded in the shop's canned jobs and the skills and bay
types the shop has. A work order that already has tasks (a dispatcher created them, or
an earlier attempt of this step wrote them) keeps them: tasks are written only while the
work order has none, under a lock on its row, in the step's one transaction.
"""
import json
from dataclasses import dataclass

import gateway
from pipelines import gateway_io, runs
from pipelines.steps import Batch, Next, queries

NAME = "plan"


@dataclass(frozen=True)
class Loaded:
    work_order: gateway.WorkOrder
    enrichment: gateway.Enrichment | None
    shop: gateway.Shop
    existing_tasks: int
    config: gateway.GatewayConfig


def _task_count(conn, work_order_id: str) -> int:
    return conn.execute(queries.plan_task_count.psycopg, {"id": work_order_id}).fetchone()[0]


def claim(conn, batch: Batch) -> Batch:
    return Batch(runs.begin_attempt(conn, batch.run_ids, NAME))


def load(conn, batch: Batch) -> Loaded:
    work_order_id = runs.load(conn, batch.run_ids[0]).work_order_id
    enrichment = conn.execute(queries.plan_enrichment.psycopg, {"id": work_order_id}).fetchone()[0]
    return Loaded(gateway_io.load_work_order(conn, work_order_id),
                  gateway.Enrichment.model_validate(enrichment) if enrichment else None,
                  gateway_io.load_shop(conn), _task_count(conn, work_order_id), gateway_io.config())


def compute(loaded: Loaded) -> gateway.Outcome | None:
    """The gateway's plan; None when the work order has tasks already."""
    if loaded.existing_tasks:
        return None
    return gateway.plan_tasks(loaded.work_order, loaded.enrichment, loaded.shop, loaded.config)


def save(conn, batch: Batch, loaded: Loaded, outcome: gateway.Outcome | None) -> Next:
    wo = loaded.work_order.id
    conn.execute(queries.plan_lock_work_order.psycopg, {"id": wo})
    existing = _task_count(conn, wo)
    if outcome is not None:
        gateway_io.save_calls(conn, outcome.calls)
    if existing:
        conn.execute(queries.plan_keep_tasks.psycopg, {"id": wo})
        runs.finish_step(conn, batch.run_ids, NAME, next_step="schedule", skipped=True,
                         detail={"skipped": f"the work order already has {existing} task(s); they are kept"})
        return Next("schedule", batch.run_ids)
    if not outcome.ok:
        conn.execute(queries.plan_needs_review.psycopg,
                     {"reasons": json.dumps(outcome.reasons), "source": outcome.source, "id": wo})
        runs.finish_step(conn, batch.run_ids, NAME, next_step="notify",
                         detail={"source": outcome.source, "review_reasons": outcome.reasons})
        runs.skip_steps(conn, batch.run_ids, ["schedule"], "the work order needs review: nothing to schedule")
        return Next("notify", batch.run_ids)
    plan: gateway.TaskPlan = outcome.result
    ids: dict[str, str] = {}
    for position, task in enumerate(plan.tasks):
        ids[task.key] = conn.execute(queries.plan_insert_task.psycopg, {
            "work_order_id": wo, "position": position, "name": task.name, "duration": task.duration_min,
            "skill": task.skill, "bay_type": task.bay_type,
            "parts": json.dumps([p.model_dump() for p in task.parts])}).fetchone()[0]
    pairs = [{"task_id": ids[t.key], "depends_on": ids[d]} for t in plan.tasks for d in t.depends_on]
    if pairs:
        with conn.cursor() as cur:
            cur.executemany(queries.plan_insert_dependency.psycopg, pairs)
    conn.execute(queries.plan_planned.psycopg, {"source": outcome.source, "id": wo})
    runs.finish_step(conn, batch.run_ids, NAME, next_step="schedule",
                     detail={"source": outcome.source, "tasks": len(plan.tasks)})
    return Next("schedule", batch.run_ids)
