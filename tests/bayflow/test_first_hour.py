"""A new user's first hour with the `bayflow` command: an unmigrated database is named as such,
a second demo on a busy port starts nothing, and the demo shop is scheduled at start."""
import socket
import subprocess

import pytest

from bayflow.commands.api import prepare_demo_database
from tests.support.environment import child_environment
from tests.support.processes import BAYFLOW, free_port
from tests.support.sql import query, scalar


@pytest.fixture
def empty_database(new_database):
    """A database without bayflow's schema, dropped afterwards."""
    url = new_database(template="template1")  # what `create database` copies by default
    yield url
    new_database.release(url)


@pytest.mark.parametrize("command", [["jobs"], ["worker"], ["token", "--email", "dispatch1@demo.bayflow.dev"]])
def test_a_command_on_an_unmigrated_database_says_what_to_run(empty_database, tmp_path, command):
    env = child_environment(database_url=empty_database, bayflow_home=tmp_path)
    done = subprocess.run([BAYFLOW, *command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "the database has no bayflow schema yet" in done.stderr and "run `bayflow db migrate`" in done.stderr


def test_a_second_demo_on_a_port_in_use_starts_nothing(db_url, tmp_path):
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        env = child_environment(database_url=db_url, bayflow_home=tmp_path, bayflow_api_host="127.0.0.1",
                                bayflow_api_port=port)
        done = subprocess.run([BAYFLOW, "demo"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "BAYFLOW_API_PORT" in done.stderr
    assert "TOKEN" not in done.stdout
    # nothing started: no demo shop loaded, no job queued (so no worker could have run one)
    assert scalar(db_url, "select count(*) from public.work_orders") == 0
    assert scalar(db_url, "select count(*) from public.job_queue") == 0


def test_the_demo_queues_a_schedule_run_for_its_shop_at_start(db_url, env):
    env(database_url=db_url)
    prepare_demo_database()
    assert scalar(db_url, "select count(*) from public.tasks where status = 'pending'") > 0
    assert query(db_url, "select kind, step, status, triggered_by from public.pipeline_runs") == [
        ("reschedule", "schedule", "queued", "demo: schedule the demo shop")]
    assert query(db_url, "select actor, status from public.job_queue") == [("schedule_shop", "queued")]
