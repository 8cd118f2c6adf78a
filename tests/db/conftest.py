"""The shared test shop in a fresh database, and requests run the way the API runs them.

`as_profile(profile_id)` opens the contract's per-request transaction on a connection
that did `set role bayflow_api` (as the API's pooled connections do).
"""
import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest

from tests.support.shop import (ADMIN, DISPATCHER, LIFT_1, NO_PROFILE, TECH_ANA, TECH_BEN, TECHNICIAN_ANA,
                                 TECHNICIAN_BEN, seed_lifts, seed_people)


@dataclass(frozen=True)
class Shop:
    admin: uuid.UUID
    dispatcher: uuid.UUID
    ana: uuid.UUID          # tech profile
    ben: uuid.UUID          # tech profile
    stranger: uuid.UUID     # signed-up user without a profile
    ana_tech: uuid.UUID
    ben_tech: uuid.UUID
    bay: uuid.UUID
    wo_ana: uuid.UUID       # has a task assigned to ana (and one to ben)
    wo_other: uuid.UUID     # nobody assigned
    task_ana: uuid.UUID
    task_ben: uuid.UUID
    task_free: uuid.UUID


@pytest.fixture
def owner(db_url):
    """The owner's connection (what workers, the CLI and migrations use), autocommit."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def api_conn(db_url):
    """A connection like the API's pool hands out: `set role bayflow_api`, autocommit."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("set role bayflow_api")
        yield conn


@pytest.fixture
def as_profile(api_conn):
    """`with as_profile(profile_id) as conn:` runs one API request: a transaction as
    `authenticated` with the profile's JWT claims and a request id."""

    @contextmanager
    def request(profile_id: uuid.UUID, request_id: str = "req-test"):
        claims = json.dumps({"sub": str(profile_id), "role": "authenticated", "aud": "authenticated"})
        with api_conn.transaction():
            api_conn.execute(
                "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true),"
                " set_config('bayflow.request_id', %s, true)",
                (claims, request_id),
            )
            yield api_conn

    return request


@pytest.fixture
def shop(owner) -> Shop:
    """The shared shop's people and Lift 1, with two work orders and their tasks."""
    s = Shop(admin=ADMIN, dispatcher=DISPATCHER, ana=TECH_ANA, ben=TECH_BEN, stranger=NO_PROFILE,
             ana_tech=TECHNICIAN_ANA, ben_tech=TECHNICIAN_BEN, bay=LIFT_1,
             **{name: uuid.uuid4() for name in ("wo_ana", "wo_other", "task_ana", "task_ben", "task_free")})
    with owner.transaction():
        owner.execute("select set_config('bayflow.actor', 'test-setup', true)")
        seed_people(owner)
        seed_lifts(owner, [s.bay])
        owner.execute(
            "insert into work_orders (id, customer_name, customer_phone, customer_email, description, asset_make)"
            " values (%s, 'Pat Customer', '+1 312-555-0100', 'pat@example.com', 'Brake noise', 'Ford'),"
            "        (%s, 'Sam Other', '+1 312-555-0101', 'sam@example.com', 'Oil change', 'Honda')",
            (s.wo_ana, s.wo_other),
        )
        owner.execute(
            "insert into tasks (id, work_order_id, name, duration_minutes, required_skill, assigned_technician_id,"
            " bay_id)"
            " values (%s, %s, 'Replace pads', 90, 'brakes', %s, %s), (%s, %s, 'Rotate tires', 30, 'tires', %s, null),"
            "        (%s, %s, 'Oil change', 45, 'general', null, null)",
            (s.task_ana, s.wo_ana, s.ana_tech, s.bay, s.task_ben, s.wo_ana, s.ben_tech, s.task_free, s.wo_other),
        )
        owner.execute(
            "insert into calendar_events (kind, technician_id, starts_at, ends_at, recurrence, recurrence_until)"
            " values ('shift', %s, '2026-11-23 08:00Z', '2026-11-23 16:00Z', 'weekdays', '2026-12-31'),"
            "        ('shift', %s, '2026-11-23 09:00Z', '2026-11-23 17:00Z', 'weekdays', '2026-12-31')",
            (s.ana_tech, s.ben_tech),
        )
    return s
