"""What the LLM gateway reads from the database and what it hands back to it.

The gateway is pure: these functions build its inputs (the work order, the skills and
bay types the shop actually has) and store its call records in `llm_calls`, for the
enrich and plan steps. SQL: `pipelines/sql/gateway_io.sql`.
"""
from functools import lru_cache
from pathlib import Path

import gateway
from bayflow.config import settings
from bayflow.queries import load as load_queries

_SQL = load_queries(Path(__file__).with_name("sql") / "gateway_io.sql")


@lru_cache(maxsize=1)
def config() -> gateway.GatewayConfig:
    return gateway.GatewayConfig.from_settings(settings())


def load_work_order(conn, work_order_id: str) -> gateway.WorkOrder:
    row = conn.execute(_SQL.work_order.psycopg, {"id": work_order_id}).fetchone()
    if row is None:
        raise LookupError(f"work order {work_order_id} does not exist")
    wo_id, description, name, phone, email, vin, plate = row
    return gateway.WorkOrder(description=description, id=wo_id, customer_name=name, phone=phone, email=email,
                             vin=vin, plate=plate)


def load_shop(conn) -> gateway.Shop:
    skills, bay_types = conn.execute(_SQL.shop.psycopg).fetchone()
    return gateway.Shop(skills=frozenset(skills), bay_types=frozenset(bay_types))


def save_calls(conn, calls: list[gateway.CallRecord]) -> None:
    if calls:
        with conn.cursor() as cur:
            cur.executemany(_SQL.insert_call.psycopg, [c.as_row() for c in calls])
