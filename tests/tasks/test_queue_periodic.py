"""Cron schedules fire once per tick however many processes try at once."""
import threading

import psycopg
import pytest

from tasks import periodic
from tests.support.sql import scalar
from tests.tasks import queue_actors as actors


@pytest.fixture
def nightly():
    periodic.periodic("0 2 * * *", name="nightly", timezone="Europe/Paris")(actors.noop)
    yield
    periodic.schedules.pop("nightly")
    periodic._synced.discard("nightly")


def fire_concurrently(url: str, processes: int) -> list[int]:
    barrier = threading.Barrier(processes, timeout=30)  # a worker that cannot connect fails the test, not hangs it
    fired = []

    def worker():
        with psycopg.connect(url) as conn:
            barrier.wait()
            fired.append(periodic.fire_due(conn))

    threads = [threading.Thread(target=worker) for _ in range(processes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return fired


def test_a_due_schedule_fires_once_per_tick_across_processes(queue_db, nightly):
    assert fire_concurrently(queue_db, 4) == [0, 0, 0, 0]  # registered; next tick is tomorrow 02:00 Paris
    next_run = scalar(queue_db, "select to_char(next_run_at at time zone 'Europe/Paris', 'HH24:MI')"
                                " from periodic_schedules")
    assert next_run == "02:00"

    with psycopg.connect(queue_db, autocommit=True) as conn:
        conn.execute("update periodic_schedules set next_run_at = now() - interval '3 days'")  # missed ticks
    assert sorted(fire_concurrently(queue_db, 4)) == [0, 0, 0, 1]
    assert scalar(queue_db, "select count(*) from job_queue") == 1
    assert scalar(queue_db, "select unique_key from job_queue") == "periodic:nightly"
    assert scalar(queue_db, "select next_run_at > now() from periodic_schedules")

    with psycopg.connect(queue_db, autocommit=True) as conn:  # next tick while the last job still waits
        conn.execute("update periodic_schedules set next_run_at = now() - interval '1 second'")
    assert sorted(fire_concurrently(queue_db, 4)) == [0, 0, 0, 1]
    assert scalar(queue_db, "select count(*) from job_queue") == 1  # coalesced with the waiting job


def test_a_zone_kept_in_the_database_is_read_when_the_schedule_syncs(queue_db):
    read_with = []

    def zone(conn):
        read_with.append(conn)
        return "Asia/Tokyo"

    periodic.periodic("0 2 * * *", name="tokyo", timezone=zone)(actors.noop)
    try:
        assert read_with == []  # declaring the schedule reads nothing
        with psycopg.connect(queue_db) as conn:
            periodic.fire_due(conn)
        assert read_with == [conn]
        assert scalar(queue_db, "select timezone || ' ' || to_char(next_run_at at time zone 'Asia/Tokyo', 'HH24:MI')"
                                " from periodic_schedules where name = 'tokyo'") == "Asia/Tokyo 02:00"
    finally:
        periodic.schedules.pop("tokyo")
        periodic._synced.discard("tokyo")


def test_an_invalid_schedule_is_refused():
    with pytest.raises(ValueError, match="invalid cron expression"):
        periodic.periodic("every night")
