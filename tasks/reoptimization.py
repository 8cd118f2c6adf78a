"""The nightly full re-optimization: a periodic job (tasks.periodic) at BAYFLOW_REOPT_NIGHTLY_CRON
(default 02:00) in the shop's time zone, fired once per tick however many worker processes run.

It records a `full` change and asks for the shop's one coalesced reschedule run, like every other
trigger (`bayflow.request_reoptimization`); the schedule run keeps the frozen window. The shop's
time zone is read when a worker process first syncs the schedule, not at import (a changed zone
applies from the next start).
"""
from pathlib import Path

import dramatiq
import psycopg

from bayflow.config import settings
from bayflow.database import database_url, plain_url
from bayflow.queries import load
from tasks.periodic import periodic
from tasks.pipeline_actors import QUEUE

SQL_DIR = Path(__file__).with_name("sql")
# set_actor is the pipeline actors' own: one statement names who the audit log blames.
SQL = load(SQL_DIR / "reoptimization.sql", SQL_DIR / "pipeline_actors.sql")
ACTOR = "worker:nightly_reoptimization"


def shop_timezone(conn: psycopg.Connection) -> str:
    return conn.execute(SQL.shop_timezone.psycopg).fetchone()[0]


@periodic(settings().bayflow_reopt_nightly_cron, name="nightly_reoptimization", timezone=shop_timezone)
@dramatiq.actor(queue_name=QUEUE)
def nightly_reoptimization() -> None:
    with psycopg.connect(plain_url(database_url())) as conn:  # once a night: no connection kept
        conn.execute(SQL.set_actor.psycopg, {"actor": ACTOR})
        conn.execute(SQL.request_nightly.psycopg)
