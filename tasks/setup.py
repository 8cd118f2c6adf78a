"""The broker bayflow runs on, chosen by BAYFLOW_BROKER: its Postgres broker, or RabbitMQ for scale-out.

Either way results go to Postgres (`job_results`), so pipelines need no Redis, and
transactional enqueues go to `job_queue` (on RabbitMQ, worker processes relay them).
"""
import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.middleware.prometheus import Prometheus
from dramatiq.results import Results

from bayflow.config import settings
from bayflow.database import database_url, plain_url
from tasks.broker import PostgresBroker
from tasks.relay import OutboxRelay
from tasks.results import PostgresBackend

#: Modules defining actors, imported by `bayflow worker` (one line per module).
ACTOR_MODULES: list[str] = [
    "tasks.pipeline_actors",
    "tasks.integration_actors",
    "tasks.webhook_actors",
    "tasks.reoptimization",
]


def build_broker(kind: str | None = None, *, url: str | None = None) -> dramatiq.Broker:
    """A broker of `kind` (default BAYFLOW_BROKER) whose jobs and results live in `url` (default DATABASE_URL)."""
    kind = kind or settings().bayflow_broker
    if kind == "rabbitmq":
        broker = RabbitmqBroker(url=settings().rabbitmq_url)
        broker.add_middleware(OutboxRelay(lambda: plain_url(url or database_url())))
    elif kind == "postgres":
        broker = PostgresBroker(url=url)
    else:
        raise ValueError(f"BAYFLOW_BROKER must be postgres or rabbitmq, not {kind!r}")
    broker.add_middleware(Results(backend=PostgresBackend(lambda: plain_url(url or database_url()))))
    if settings().bayflow_worker_metrics_port:
        # Its exposition server is forked by dramatiq's main process and listens where
        # dramatiq_prom_host/_port say (default 0.0.0.0:9191); `bayflow worker` sets them
        # to 127.0.0.1 and BAYFLOW_WORKER_METRICS_PORT.
        broker.add_middleware(Prometheus())
    return broker


def setup_broker(kind: str | None = None) -> dramatiq.Broker:
    """Build the broker and make it dramatiq's global broker."""
    broker = build_broker(kind)
    dramatiq.set_broker(broker)
    return broker
