"""Step 1: normalise a work order — category, urgency, asset details, suggested priority.

Fields the creator filled in are kept; enrichment fills only the empty ones and keeps
its whole answer (suggested priority and summary included) in `work_orders.enrichment`.
The suggested priority becomes the priority unless someone set it (`priority_set_by`, see
migration 20261207000300); the change is then the worker's, in the audit log and in
`priority_set_by`.
An enrichment that needs review does not stop the pipeline: planning goes on without it.
"""
from dataclasses import dataclass

import gateway
from pipelines import runs
from pipelines.steps import Next
from pipelines.steps.gateway_io import load_work_order, save_calls

NAME = "enrich"

SAVE = """
update public.work_orders
   set enrichment = %(enrichment)s, enrichment_source = %(source)s,
       category = coalesce(category, %(category)s), urgency = coalesce(urgency, %(urgency)s),
       asset_make = coalesce(asset_make, %(make)s), asset_model = coalesce(asset_model, %(model)s),
       asset_year = coalesce(asset_year, %(year)s), vin = coalesce(vin, %(vin)s),
       plate = coalesce(plate, %(plate)s), mileage = coalesce(mileage, %(mileage)s),
       priority = case when priority_set_by is null then %(priority)s else priority end,
       status = case when status = 'new' then 'planning' else status end
 where id = %(id)s
"""


@dataclass(frozen=True)
class Loaded:
    work_order: gateway.WorkOrder
    already_enriched: bool


def load(conn, run: runs.Run) -> Loaded:
    enriched = conn.execute("select enrichment is not null from public.work_orders where id = %s",
                            (run.work_order_id,)).fetchone()
    return Loaded(load_work_order(conn, run.work_order_id), bool(enriched and enriched[0]))


def compute(loaded: Loaded, config: gateway.GatewayConfig) -> gateway.Outcome | None:
    """The gateway's enrichment; None when a previous attempt already stored one."""
    if loaded.already_enriched:
        return None
    return gateway.enrich(loaded.work_order, config)


def save(conn, run: runs.Run, outcome: gateway.Outcome | None) -> Next:
    # Locked so that a concurrent re-delivery cannot enrich twice.
    enriched = conn.execute("select enrichment is not null from public.work_orders where id = %s for update",
                            (run.work_order_id,)).fetchone()[0]
    if outcome is None or enriched:
        runs.finish_step(conn, [run.id], NAME, next_step="plan", skipped=True,
                         detail={"skipped": "already enriched by an earlier attempt"})
        return Next("plan", [run.id])
    save_calls(conn, outcome.calls)
    if outcome.ok:
        result: gateway.Enrichment = outcome.result
        asset = result.asset
        conn.execute(SAVE, {
            "id": run.work_order_id, "enrichment": result.model_dump_json(), "source": outcome.source,
            "category": result.category, "urgency": result.urgency, "make": asset.make, "model": asset.model,
            "year": asset.year, "vin": asset.vin, "plate": asset.plate, "mileage": asset.mileage,
            "priority": result.suggested_priority,
        })
        detail = {"source": outcome.source, "category": result.category, "urgency": result.urgency,
                  "suggested_priority": result.suggested_priority}
    else:
        conn.execute("update public.work_orders set status = 'planning' where id = %s and status = 'new'",
                     (run.work_order_id,))
        detail = {"source": outcome.source, "review_reasons": outcome.reasons}
    runs.finish_step(conn, [run.id], NAME, next_step="plan", detail=detail)
    return Next("plan", [run.id])
