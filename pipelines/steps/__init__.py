"""The steps of the work-order pipeline, one module each: enrich, plan, schedule, notify.

Every step module is a `Step`, and the pipeline's actors (`tasks.pipeline_actors`) run each
one the same way: `claim` in one transaction, `load` in a second, `compute` with no
transaction open, then `save` in a third, for the runs still at the step; the actor
enqueues what `save` returns in that third transaction. Step modules are imported on
first use (`named`): the API enqueues messages and should not load the LLM SDKs and CP-SAT.
Their SQL is in `pipelines/sql/steps.sql` (`queries`).
"""
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bayflow.queries import load as load_queries

STEPS = ("enrich", "plan", "schedule", "notify")
SCHEDULE_UNIQUE_KEY = "pipeline:schedule"  # the queue's unique key: one pending schedule job per shop

queries = load_queries(Path(__file__).parent.parent / "sql" / "steps.sql")

Input = TypeVar("Input")
Output = TypeVar("Output")


@dataclass(frozen=True)
class Batch:
    """The runs a step attempt works on, and the schedule run that placed them (notify's)."""

    run_ids: list[str]
    schedule_run_id: str | None = None


@dataclass(frozen=True)
class Next:
    """What runs after a step, for the actor that holds its transaction to enqueue: `step` for
    `run_ids` (None: nothing more), and a job for each webhook delivery the step wrote."""

    step: str | None
    run_ids: list[str] = field(default_factory=list)
    schedule_run_id: str | None = None
    deliveries: tuple[str, ...] = ()


class Step(Protocol[Input, Output]):
    """A step of the pipeline, as a module: its name and four functions."""

    NAME: str

    def claim(self, conn: Any, batch: Batch) -> Batch:
        """The runs of `batch` (the message's) this attempt works on, an attempt counted for each;
        none when the message was delivered again after the step was done."""

    def load(self, conn: Any, batch: Batch) -> Input:
        """Everything `compute` needs, read in one transaction."""

    def compute(self, loaded: Input) -> Output:
        """The step's work (the gateway's or the scheduler's call): pure, no connection, no transaction."""

    def save(self, conn: Any, batch: Batch, loaded: Input, output: Output) -> Next:
        """Write `output` for the runs of `batch` (those still at the step, locked) and move them on;
        what runs next."""


def named(name: str) -> Step:
    """The step module called `name`, imported on first use."""
    if name not in STEPS:
        raise ValueError(f"no pipeline step {name!r}")
    return importlib.import_module(f"{__name__}.{name}")
