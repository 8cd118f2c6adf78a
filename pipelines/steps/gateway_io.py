"""What the LLM gateway reads from the database and what it hands back to it.

The gateway is pure: these functions build its inputs (the work order, the skills and
bay types the shop actually has) and store its call records in `llm_calls`.
"""
from functools import lru_cache

import gateway
from bayflow.config import settings

WORK_ORDER = """
select id::text, description, customer_name, customer_phone, customer_email, vin, plate
  from public.work_orders where id = %s
"""

# Only what active technicians and bays provide: a plan may not ask for anything else.
SHOP = """
select coalesce((select array_agg(distinct s) from public.technicians t, unnest(t.skills) s where t.active), '{}'),
       coalesce((select array_agg(distinct b.bay_type) from public.bays b where b.active), '{}')
"""

INSERT_CALL = """
insert into public.llm_calls (work_order_id, purpose, attempt, prompt_name, prompt_hash, schema_version,
  provider, model, tokens_in, tokens_out, cost_usd, latency_ms, outcome, error)
values (%(work_order_id)s, %(purpose)s, %(attempt)s, %(prompt_name)s, %(prompt_hash)s, %(schema_version)s,
  %(provider)s, %(model)s, %(tokens_in)s, %(tokens_out)s, %(cost_usd)s, %(latency_ms)s, %(outcome)s, %(error)s)
"""


@lru_cache(maxsize=1)
def config() -> gateway.GatewayConfig:
    return gateway.GatewayConfig.from_settings(settings())


def load_work_order(conn, work_order_id: str) -> gateway.WorkOrder:
    row = conn.execute(WORK_ORDER, (work_order_id,)).fetchone()
    if row is None:
        raise LookupError(f"work order {work_order_id} does not exist")
    wo_id, description, name, phone, email, vin, plate = row
    return gateway.WorkOrder(description=description, id=wo_id, customer_name=name, phone=phone, email=email,
                             vin=vin, plate=plate)


def load_shop(conn) -> gateway.Shop:
    skills, bay_types = conn.execute(SHOP).fetchone()
    return gateway.Shop(skills=frozenset(skills), bay_types=frozenset(bay_types))


def save_calls(conn, calls: list[gateway.CallRecord]) -> None:
    if calls:
        with conn.cursor() as cur:
            cur.executemany(INSERT_CALL, [c.as_row() for c in calls])
