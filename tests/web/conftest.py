"""The demo shop with its work orders, and bayflow serving both front ends on it."""
import psycopg
import pytest

from bayflow.seed import load_demo_shop
from tests.support.web import WebStack

# Short solves and a short coalescing window: moves and new work show on the board quickly.
STACK_ENV = {"bayflow_solver_time_limit_s": 2, "bayflow_pipeline_schedule_delay_ms": 300}


@pytest.fixture(scope="module")
def web_stack(new_database, tmp_path_factory) -> WebStack:
    db_url = new_database()
    with psycopg.connect(db_url) as conn:
        load_demo_shop(conn)
        conn.commit()
    stack = WebStack(db_url, tmp_path_factory.mktemp("web"), **STACK_ENV).start()
    yield stack
    stack.stop()
    new_database.release(db_url)
