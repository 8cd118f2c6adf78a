"""Actors of the integrations: a CSV import, one webhook delivery attempt, and their dead letters.

Thin: each hands its arguments to the pipeline step in pipelines.imports / pipelines.webhooks.
"""
import dramatiq

import tasks  # noqa: F401  (sets dramatiq's broker before the actors are declared)
from bayflow.config import settings
from pipelines import imports, webhooks

QUEUE = "integrations"


@dramatiq.actor(queue_name=QUEUE)
def import_exhausted(message: dict, retry_info: dict) -> None:
    """`run_import` failed on every attempt: the import says so."""
    import_id = message["args"][0]
    error = (message.get("options") or {}).get("traceback", "").strip().splitlines()[-1:] or ["unknown error"]
    imports.mark_failed(import_id, f"the import failed after {retry_info['retries'] + 1} attempts: {error[0]}")


@dramatiq.actor(queue_name=QUEUE, max_retries=2, time_limit=30 * 60 * 1000, on_retry_exhausted=import_exhausted.actor_name)
def run_import(import_id: str) -> str:
    return imports.run_import(import_id)


@dramatiq.actor(queue_name=QUEUE)
def delivery_exhausted(message: dict, retry_info: dict) -> None:
    """The last attempt of a delivery failed: it is dead until someone re-sends it."""
    webhooks.mark_dead(message["args"][0])


@dramatiq.actor(queue_name=QUEUE, on_retry_exhausted=delivery_exhausted.actor_name)
def deliver_webhook(delivery_id: str) -> None:
    webhooks.deliver(delivery_id, timeout_s=settings().bayflow_webhook_timeout_s)
