"""Every registered pipeline step follows `pipelines.steps.Step` in shape and types (test_steps.py
runs each one through its actor against a real database), and workers load them at boot."""
import inspect
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from pipelines import steps
from pipelines.steps import STEPS, Batch, Next, Step
from tests.support.environment import child_environment

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL_FUNCTIONS = ("claim", "load", "compute", "save")


def test_the_steps_folder_holds_the_registered_steps_and_nothing_else():
    modules = {p.stem for p in (ROOT / "pipelines" / "steps").glob("*.py")} - {"__init__"}
    assert modules == set(STEPS)


def test_the_protocol_is_what_this_test_checks():
    assert set(PROTOCOL_FUNCTIONS) | {"NAME"} <= set(dir(Step)) | set(typing.get_type_hints(Step))
    assert [list(inspect.signature(getattr(Step, f)).parameters)[1:] for f in PROTOCOL_FUNCTIONS] == [
        ["conn", "batch"], ["conn", "batch"], ["loaded"], ["conn", "batch", "loaded", "output"]]


@pytest.mark.parametrize("name", STEPS)
def test_each_step_module_follows_the_step_protocol(name):
    module = steps.named(name)
    assert module.NAME == name
    hints = {}
    for function in PROTOCOL_FUNCTIONS:
        implementation = getattr(module, function)
        assert inspect.isfunction(implementation), f"{name}.{function} is not a function"
        expected = list(inspect.signature(getattr(Step, function)).parameters.values())[1:]  # without `self`
        parameters = list(inspect.signature(implementation).parameters.values())
        assert len(parameters) == len(expected), f"{name}.{function} takes {parameters}, not {expected}"
        assert all(p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty for p in parameters)
        annotations = typing.get_type_hints(implementation)
        hints[function] = {role.name: annotations.get(p.name) for role, p in zip(expected, parameters)}
        hints[function]["return"] = annotations.get("return")

    # What load returns is what compute takes and save is given; what compute returns, save writes.
    assert hints["claim"]["batch"] is Batch and hints["claim"]["return"] is Batch
    assert hints["load"]["batch"] is Batch
    loaded = hints["load"]["return"]
    assert hints["compute"]["loaded"] == loaded and hints["save"]["loaded"] == loaded
    assert hints["save"]["output"] == hints["compute"]["return"]
    assert hints["save"]["batch"] is Batch and hints["save"]["return"] is Next


def test_a_worker_loads_the_steps_before_its_threads_start_and_an_enqueuer_does_not(db_url):
    """The API imports the actors' module to enqueue: it must not import the steps (LLM SDKs,
    CP-SAT); a worker imports them at boot so that its first job does not wait."""
    script = """
import sys
import dramatiq
import tasks.pipeline_actors
loaded = lambda: sorted(m for m in sys.modules if m.startswith("pipelines.steps."))
print(loaded())
worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=1)
worker.start()
print(loaded())
worker.stop()
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=child_environment(database_url=db_url),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", str(sorted(f"pipelines.steps.{name}" for name in STEPS))]
