"""bayflow's job queue: dramatiq actors on Postgres (or RabbitMQ with BAYFLOW_BROKER=rabbitmq).

Importing `tasks` sets dramatiq's global broker, so `dramatiq tasks <actor modules>`
runs workers, and `@dramatiq.actor` declared after it lands on this broker.
"""
from tasks.setup import setup_broker

setup_broker()
