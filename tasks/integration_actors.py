"""Actors of the CSV import: `run_import` and its dead letter (an import is started by
tasks.integration_starts).

Thin: the actor hands its import to pipelines.imports, with how to start the work-order
pipelines of what it wrote (in the transaction that marks the import done).
"""
import dramatiq

import tasks  # noqa: F401  (sets dramatiq's broker before the actors are declared)
from pipelines import imports
from tasks.starts import enqueue_work_order_flows

QUEUE = "integrations"


@dramatiq.actor(queue_name=QUEUE)
def import_exhausted(message: dict, retry_info: dict) -> None:
    """`run_import` failed on every attempt: the import says so."""
    import_id = message["args"][0]
    error = (message.get("options") or {}).get("traceback", "").strip().splitlines()[-1:] or ["unknown error"]
    imports.mark_failed(import_id, f"the import failed after {retry_info['retries'] + 1} attempts: {error[0]}")


@dramatiq.actor(queue_name=QUEUE, max_retries=2, time_limit=30 * 60 * 1000, on_retry_exhausted=import_exhausted.actor_name)
def run_import(import_id: str) -> None:
    # Returns nothing: a returned value without a result store only earns a warning from dramatiq.
    imports.run_import(import_id, start_flows=enqueue_work_order_flows)

