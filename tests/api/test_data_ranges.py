"""Values the database cannot store are refused by the API naming the field, in words of its own:
integers beyond Postgres' integer/bigint, moments beyond what timestamptz and Python share, text
with NUL, an If-Match that is no version. Never the driver's text or a `$N` query argument."""
import asyncio
import json
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.db import create_engine
from api.db_errors import _describe
from bayflow.config import Settings
from tests.api.test_work_orders import BRAKE_JOB, counts, create
from tests.support.shop import DISPATCHER

INT4_OVER = 2**31
YEAR_9999_WEST = "9999-12-31T23:00:00-14:00"  # 10000-01-01 in UTC
YEAR_1_EAST = "0001-01-01T01:00:00+14:00"  # before 0001-01-01 in UTC


def refused(response, field: str) -> dict:
    """The problem of a 422 that names `field` and shows nothing of the driver."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert field in [e["field"] for e in problem["errors"]], problem
    assert not re.search(r"\$\d", response.text), response.text
    for raw in ("query argument", "asyncpg", "invalid byte sequence", "0x00", "datetime.datetime"):
        assert raw not in response.text, response.text
    return problem


@pytest.mark.parametrize("body, field", [
    ({**BRAKE_JOB, "mileage": INT4_OVER}, "mileage"),
    ({**BRAKE_JOB, "due_at": YEAR_9999_WEST}, "due_at"),
    ({**BRAKE_JOB, "due_at": YEAR_1_EAST}, "due_at"),
    ({**BRAKE_JOB, "description": "grinding\u0000noise"}, "description"),
    ({**BRAKE_JOB, "customer_name": "\u0000"}, "customer_name"),
    ({**BRAKE_JOB, "tasks": [{"key": "a", "name": "Inspect\u0000", "duration_minutes": 30}]}, "tasks[0].name"),
    ({**BRAKE_JOB, "tasks": [{"key": "a", "name": "Inspect", "duration_minutes": 30,
                              "parts_ready_at": YEAR_9999_WEST, "needs_parts": True}]}, "tasks[0].parts_ready_at"),
])
def test_new_work_order_out_of_range_is_refused_by_field(client, as_user, shop_db, body, field):
    before = counts(shop_db)
    refused(create(client, as_user, body), field)
    assert counts(shop_db) == before


def test_largest_storable_values_are_accepted(client, as_user):
    response = create(client, as_user, {**BRAKE_JOB, "mileage": INT4_OVER - 1, "due_at": "9999-12-31T09:00:00-14:00"})
    assert response.status_code == 201, response.text
    assert response.json()["mileage"] == INT4_OVER - 1


def test_patch_out_of_range_and_bad_if_match_are_refused_by_field(client, as_user):
    order = create(client, as_user).json()
    url = f"/v1/work_orders/{order['id']}"
    headers = as_user(DISPATCHER, **{"If-Match": '"1"'})
    refused(client.patch(url, json={"mileage": INT4_OVER}, headers=headers), "mileage")
    refused(client.patch(url, json={"due_at": YEAR_9999_WEST}, headers=headers), "due_at")
    refused(client.patch(url, json={"plate": "AB\u00001"}, headers=headers), "plate")
    refused(client.patch(url, json={"priority": 5}, headers=as_user(DISPATCHER, **{"If-Match": '"' + "9" * 22 + '"'})),
            "If-Match")
    refused(client.delete(url, headers=as_user(DISPATCHER, **{"If-Match": "9" * 22})), "If-Match")
    assert client.get(url, headers=as_user(DISPATCHER)).json()["version"] == 1


@pytest.mark.parametrize("path, field", [
    (f"/v1/tasks?planned_from={YEAR_9999_WEST.replace('+', '%2B')}", "planned_from"),
    (f"/v1/work_orders?due_to={YEAR_1_EAST.replace('+', '%2B')}", "due_to"),
    (f"/v1/audit?from={YEAR_9999_WEST}", "from"),
    (f"/v1/notifications/{2**63}/read", "notification_id"),
    (f"/v1/ops/jobs/{2**64}/retry", "job_id"),
    (f"/v1/events?after={2**63}", "after"),
    ("/v1/tasks?cursor=not%00base64", "cursor"),
])
def test_out_of_range_parameters_are_refused_by_name(client, as_user, path, field):
    method = "POST" if path.endswith(("/read", "/retry")) else "GET"
    refused(client.request(method, path, headers=as_user(DISPATCHER)), field)


def test_calendar_event_must_end_after_it_starts(client, as_user):
    event = {"kind": "bay_downtime", "bay_id": None,
             "starts_at": "2026-12-08T10:00:00Z", "ends_at": "2026-12-08T09:00:00Z"}
    problem = refused(client.post("/v1/calendar_events", json=event, headers=as_user(DISPATCHER)), "ends_at")
    assert "after starts_at" in problem["detail"]


def test_nul_in_a_filter_the_schema_does_not_check_gets_words_of_our_own(client, as_user):
    """`skill` goes to the database as it is: the error it raises is described, not passed through."""
    response = client.get("/v1/technicians", params={"skill": "brakes\u0000"}, headers=as_user(DISPATCHER))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"] == "a value must not contain a NUL character (U+0000)"
    assert "invalid byte sequence" not in response.text


def test_a_driver_range_error_is_named_by_its_column(shop_db, tmp_path):
    """The safety net under the schemas: asyncpg's "invalid input for query argument $2 ... out of int32
    range" on an insert becomes `mileage is out of range`, field mileage."""
    async def insert() -> DBAPIError:
        engine = create_engine(Settings(database_url=shop_db, bayflow_home=tmp_path))
        try:
            async with engine.begin() as conn:
                await conn.execute(text("insert into public.work_orders (description, mileage) values (:d, :m)"),
                                   {"d": "x", "m": INT4_OVER})
        except DBAPIError as exc:
            return exc
        finally:
            await engine.dispose()
        raise AssertionError("the insert was accepted")

    exc = asyncio.run(insert())
    assert "$2" in str(exc.orig)  # what the driver says
    pg = exc.orig.__cause__ or exc.orig
    sqlstate = getattr(exc.orig, "sqlstate", None) or pg.sqlstate
    status, title, detail, error = _describe(sqlstate, pg, exc.statement)
    assert (status, detail, error) == \
        (422, "mileage is out of range", {"field": "mileage", "message": "is out of range"})
    assert "$" not in json.dumps([title, detail, error])


