"""What the gateway hands back: the validated result or the reasons for review, and a record per call."""
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Literal

from gateway.schemas import Enrichment, TaskPlan

CallOutcome = Literal["valid", "invalid", "repaired", "error", "refused", "deadline"]


@dataclass(frozen=True)
class CallRecord:
    """One provider call, in the shape of a row of `llm_calls` (the pipeline writes it)."""

    work_order_id: str | None
    purpose: str  # "enrich" | "plan_tasks"
    attempt: str  # "first" | "repair" | "fallback"
    prompt_name: str
    prompt_hash: str
    schema_version: str
    provider: str
    model: str
    tokens_in: int
    tokens_out: int
    cost_usd: Decimal | None
    latency_ms: int
    outcome: CallOutcome
    error: str | None = None

    def as_row(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    status: Literal["valid", "needs_review"]
    result: Enrichment | TaskPlan | None
    source: str | None  # "anthropic:<model>", "openai:<model>", "canned:<job id>[+<job id>]", "rules"
    reasons: list[str] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "valid"

    @property
    def repaired(self) -> bool:
        return any(c.outcome == "repaired" for c in self.calls)

    @property
    def fell_back(self) -> bool:
        return any(c.attempt == "fallback" for c in self.calls)
