"""Actors of outbound webhooks: one delivery attempt, and its dead letter.

Thin: each hands its delivery id to pipelines.webhooks.
"""
import dramatiq

import tasks  # noqa: F401  (sets dramatiq's broker before the actors are declared)
from bayflow.config import settings
from pipelines import webhooks
from tasks.enqueue import enqueue_many

QUEUE = "integrations"


@dramatiq.actor(queue_name=QUEUE)
def delivery_exhausted(message: dict, retry_info: dict) -> None:
    """The last attempt of a delivery failed: it is dead until someone re-sends it."""
    webhooks.mark_dead(message["args"][0])


@dramatiq.actor(queue_name=QUEUE, on_retry_exhausted=delivery_exhausted.actor_name)
def deliver_webhook(delivery_id: str) -> None:
    webhooks.deliver(delivery_id, timeout_s=settings().bayflow_webhook_timeout_s)


def delivery_message(delivery_id: str) -> dramatiq.Message:
    """The job of one delivery, with the configured attempts and backoff."""
    config = settings()
    return deliver_webhook.message_with_options(
        args=(delivery_id,), max_retries=config.bayflow_webhook_max_attempts - 1,
        min_backoff=config.bayflow_webhook_min_backoff_ms, max_backoff=config.bayflow_webhook_max_backoff_ms)


def enqueue_deliveries(conn, delivery_ids) -> int:
    """A job for each webhook delivery written in `conn`'s transaction (psycopg); how many."""
    return enqueue_many(conn, [delivery_message(str(d)) for d in delivery_ids])
