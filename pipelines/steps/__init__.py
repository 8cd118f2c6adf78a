"""The steps of the work-order pipeline, one module each: enrich, plan, schedule, notify.

Each exposes `load(conn, ...)` (read what it needs), a pure-ish `compute(...)` (the
gateway or scheduler call, made with no transaction open) and `save(conn, ...)` (write
the outcome idempotently and say which step comes next). `tasks.actors` strings them
together; `pipelines.runs` records the attempts.
"""
from dataclasses import dataclass, field

STEPS = ("enrich", "plan", "schedule", "notify")
SCHEDULE_UNIQUE_KEY = "pipeline:schedule"  # the queue's unique key: one pending schedule job per shop


@dataclass(frozen=True)
class Next:
    """What the pipeline does after a step: `step` for `run_ids` (None: nothing more)."""

    step: str | None
    run_ids: list[str] = field(default_factory=list)
    schedule_run_id: str | None = None
