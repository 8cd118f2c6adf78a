"""The nightly full re-optimization: a periodic job (tasks.periodic) at BAYFLOW_REOPT_NIGHTLY_CRON
(default 02:00) in the shop's time zone, fired once per tick however many worker processes run.

It records a `full` change and asks for the shop's one coalesced reschedule run, like every other
trigger (`bayflow.request_reoptimization`); the schedule run keeps the frozen window. The shop's
time zone is read when the worker process starts (a changed zone applies from the next start).
"""
from pathlib import Path

import dramatiq
import psycopg

from bayflow.config import settings
from bayflow.database import database_url, plain_url
from bayflow.queries import load
from tasks.pipeline_actors import QUEUE
from tasks.periodic import periodic

SQL = load(Path(__file__).with_name("sql") / "reoptimization.sql")


def _shop_timezone() -> str:
    with psycopg.connect(plain_url(database_url())) as conn:
        return conn.execute(SQL.shop_timezone.psycopg).fetchone()[0]


@periodic(settings().bayflow_reopt_nightly_cron, name="nightly_reoptimization", timezone=_shop_timezone())
@dramatiq.actor(queue_name=QUEUE)
def nightly_reoptimization() -> None:
    with psycopg.connect(plain_url(database_url())) as conn:  # once a night: no connection kept
        conn.execute("select set_config('bayflow.actor', 'worker:nightly_reoptimization', true)")
        conn.execute(SQL.request_nightly.psycopg)
