"""The steps of the work-order pipeline, one module each: enrich, plan, schedule, notify.

Each exposes `load(conn, ...)` (read what it needs), a pure-ish `compute(...)` (the
gateway or scheduler call, made with no transaction open) and `save(conn, ...)` (write
the outcome idempotently and return what runs next, a `Next`). `tasks.actors` strings
them together and enqueues what a step returns; `pipelines.runs` records the attempts.
"""
from dataclasses import dataclass, field

STEPS = ("enrich", "plan", "schedule", "notify")
SCHEDULE_UNIQUE_KEY = "pipeline:schedule"  # the queue's unique key: one pending schedule job per shop


@dataclass(frozen=True)
class Next:
    """What runs after a step, for the actor that holds its transaction to enqueue: `step` for
    `run_ids` (None: nothing more), and a job for each webhook delivery the step wrote."""

    step: str | None
    run_ids: list[str] = field(default_factory=list)
    schedule_run_id: str | None = None
    deliveries: tuple[str, ...] = ()
