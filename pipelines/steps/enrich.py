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
from pipelines import gateway_io, runs
from pipelines.steps import Batch, Next, queries

NAME = "enrich"


@dataclass(frozen=True)
class Loaded:
    work_order: gateway.WorkOrder
    already_enriched: bool
    config: gateway.GatewayConfig


def claim(conn, batch: Batch) -> Batch:
    return Batch(runs.begin_attempt(conn, batch.run_ids, NAME))


def load(conn, batch: Batch) -> Loaded:
    work_order_id = runs.load(conn, batch.run_ids[0]).work_order_id
    enriched = conn.execute(queries.enrich_done.psycopg, {"id": work_order_id}).fetchone()
    return Loaded(gateway_io.load_work_order(conn, work_order_id), bool(enriched and enriched[0]),
                  gateway_io.config())


def compute(loaded: Loaded) -> gateway.Outcome | None:
    """The gateway's enrichment; None when a previous attempt already stored one."""
    if loaded.already_enriched:
        return None
    return gateway.enrich(loaded.work_order, loaded.config)


def save(conn, batch: Batch, loaded: Loaded, outcome: gateway.Outcome | None) -> Next:
    wo = loaded.work_order.id
    enriched = conn.execute(queries.enrich_done_locked.psycopg, {"id": wo}).fetchone()[0]
    if outcome is None or enriched:
        runs.finish_step(conn, batch.run_ids, NAME, next_step="plan", skipped=True,
                         detail={"skipped": "already enriched by an earlier attempt"})
        return Next("plan", batch.run_ids)
    gateway_io.save_calls(conn, outcome.calls)
    if outcome.ok:
        result: gateway.Enrichment = outcome.result
        asset = result.asset
        conn.execute(queries.enrich_save.psycopg, {
            "id": wo, "enrichment": result.model_dump_json(), "source": outcome.source,
            "category": result.category, "urgency": result.urgency, "make": asset.make, "model": asset.model,
            "year": asset.year, "vin": asset.vin, "plate": asset.plate, "mileage": asset.mileage,
            "priority": result.suggested_priority,
        })
        detail = {"source": outcome.source, "category": result.category, "urgency": result.urgency,
                  "suggested_priority": result.suggested_priority}
    else:
        conn.execute(queries.enrich_to_planning.psycopg, {"id": wo})
        detail = {"source": outcome.source, "review_reasons": outcome.reasons}
    runs.finish_step(conn, batch.run_ids, NAME, next_step="plan", detail=detail)
    return Next("plan", batch.run_ids)
