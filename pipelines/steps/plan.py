"""Step 2: turn a work order into tasks — durations, skills, bay types, parts, dependencies.

Planned by the LLM gateway, grounded in the shop's canned jobs and the skills and bay
types the shop has. A work order that already has tasks (a dispatcher created them, or
an earlier attempt of this step wrote them) keeps them: tasks are written only while the
work order has none, under a lock on its row, in the step's one transaction.
"""
import json
from dataclasses import dataclass

import gateway
from pipelines import runs
from pipelines.steps import Next
from pipelines.steps.gateway_io import load_shop, load_work_order, save_calls

NAME = "plan"

INSERT_TASK = """
insert into public.tasks (work_order_id, position, name, duration_minutes, required_skill, required_bay_type, parts)
values (%s, %s, %s, %s, %s, %s, %s) returning id
"""


@dataclass(frozen=True)
class Loaded:
    work_order: gateway.WorkOrder
    enrichment: gateway.Enrichment | None
    shop: gateway.Shop
    existing_tasks: int


def _task_count(conn, work_order_id: str, *, lock: bool = False) -> int:
    if lock:
        conn.execute("select 1 from public.work_orders where id = %s for update", (work_order_id,))
    return conn.execute("select count(*) from public.tasks where work_order_id = %s", (work_order_id,)).fetchone()[0]


def load(conn, run: runs.Run) -> Loaded:
    enrichment = conn.execute("select enrichment from public.work_orders where id = %s",
                              (run.work_order_id,)).fetchone()[0]
    return Loaded(load_work_order(conn, run.work_order_id),
                  gateway.Enrichment.model_validate(enrichment) if enrichment else None,
                  load_shop(conn), _task_count(conn, run.work_order_id))


def compute(loaded: Loaded, config: gateway.GatewayConfig) -> gateway.Outcome | None:
    """The gateway's plan; None when the work order has tasks already."""
    if loaded.existing_tasks:
        return None
    return gateway.plan_tasks(loaded.work_order, loaded.enrichment, loaded.shop, config)


def save(conn, run: runs.Run, outcome: gateway.Outcome | None) -> Next:
    wo = run.work_order_id
    existing = _task_count(conn, wo, lock=True)
    if outcome is not None:
        save_calls(conn, outcome.calls)
    if existing:
        conn.execute(
            "update public.work_orders set plan_source = coalesce(plan_source, 'dispatcher'),"
            " status = case when status in ('new', 'planning', 'needs_review') then 'planned' else status end,"
            " review_reasons = null where id = %s", (wo,))
        runs.finish_step(conn, [run.id], NAME, next_step="schedule", skipped=True,
                         detail={"skipped": f"the work order already has {existing} task(s); they are kept"})
        return Next("schedule", [run.id])
    if not outcome.ok:
        conn.execute(
            "update public.work_orders set status = 'needs_review', review_reasons = %s, plan_source = %s"
            " where id = %s", (json.dumps(outcome.reasons), outcome.source, wo))
        runs.finish_step(conn, [run.id], NAME, next_step="notify",
                         detail={"source": outcome.source, "review_reasons": outcome.reasons})
        runs.skip_steps(conn, [run.id], ["schedule"], "the work order needs review: nothing to schedule")
        return Next("notify", [run.id])
    plan: gateway.TaskPlan = outcome.result
    ids: dict[str, str] = {}
    for position, task in enumerate(plan.tasks):
        parts = json.dumps([p.model_dump() for p in task.parts])
        ids[task.key] = conn.execute(INSERT_TASK, (wo, position, task.name, task.duration_min, task.skill,
                                                   task.bay_type, parts)).fetchone()[0]
    pairs = [(ids[t.key], ids[d]) for t in plan.tasks for d in t.depends_on]
    if pairs:
        with conn.cursor() as cur:
            cur.executemany("insert into public.task_dependencies (task_id, depends_on_task_id) values (%s, %s)",
                            pairs)
    conn.execute("update public.work_orders set status = 'planned', review_reasons = null, plan_source = %s"
                 " where id = %s", (outcome.source, wo))
    runs.finish_step(conn, [run.id], NAME, next_step="schedule",
                     detail={"source": outcome.source, "tasks": len(plan.tasks)})
    return Next("schedule", [run.id])
