"""Run the golden set (seeds/golden) through the gateway and summarise the outcomes.

Each case is enriched and planned exactly as the pipeline would; the report counts
valid plans, repairs, fallbacks and reviews, sums tokens and cost over every call
(repairs and fallbacks included) and gives per-case latency percentiles.
"""
import json
import statistics
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from gateway.config import GatewayConfig
from gateway.operations import enrich, plan_tasks
from gateway.outcome import Outcome
from gateway.shop import Shop, WorkOrder


@dataclass(frozen=True)
class GoldenCase:
    id: str
    work_order: WorkOrder
    expected: dict


@dataclass
class CaseResult:
    case: GoldenCase
    enrichment: Outcome
    plan: Outcome
    latency_ms: float


@dataclass
class Report:
    mode: str
    results: list[CaseResult] = field(default_factory=list)

    def summary(self) -> dict:
        n = len(self.results)
        plans = [r.plan for r in self.results]
        calls = [c for r in self.results for c in (*r.enrichment.calls, *r.plan.calls)]
        latencies = sorted(r.latency_ms for r in self.results)
        rate = lambda k: round(k / n, 4) if n else 0.0  # noqa: E731
        agree = [r for r in self.results if (r.plan.status == r.case.expected["status"]
                                             if self.mode == "llm" else
                                             _canned_ids(r.plan) == r.case.expected["canned_jobs"])]
        skills_ok = [r for r in self.results if r.plan.ok
                     and set(r.case.expected["skills"]) <= {t.skill for t in r.plan.result.tasks}]
        costs = [c.cost_usd for c in calls if c.cost_usd is not None]
        return {
            "mode": self.mode, "cases": n,
            "enrich_valid_rate": rate(sum(r.enrichment.ok for r in self.results)),
            "plan_valid_rate": rate(sum(p.ok for p in plans)),
            "needs_review_rate": rate(sum(not p.ok for p in plans)),
            "repair_rate": rate(sum(any(c.attempt == "repair" for c in (*r.enrichment.calls, *r.plan.calls))
                                    for r in self.results)),
            "fallback_rate": rate(sum(r.enrichment.fell_back or r.plan.fell_back for r in self.results)),
            "agrees_with_expected_rate": rate(len(agree)),
            "expected_skills_rate": rate(len(skills_ok)),
            "calls": len(calls),
            "call_outcomes": {o: sum(c.outcome == o for c in calls) for o in sorted({c.outcome for c in calls})},
            "tokens_in": sum(c.tokens_in for c in calls), "tokens_out": sum(c.tokens_out for c in calls),
            "cost_usd": str(sum(costs, Decimal(0))),
            "latency_ms_p50": round(statistics.median(latencies), 2) if latencies else None,
            "latency_ms_p95": round(latencies[min(n - 1, int(0.95 * n))], 2) if latencies else None,
            "disagreements": [r.case.id for r in self.results if r not in agree],
        }


def _canned_ids(plan: Outcome) -> list[str]:
    if not plan.ok or not (plan.source or "").startswith("canned:"):
        return []
    return plan.source.removeprefix("canned:").split("+")


def load_golden(directory: Path) -> tuple[Shop, list[GoldenCase]]:
    directory = Path(directory)
    shop_data = json.loads((directory / "shop.json").read_text())
    shop = Shop(frozenset(shop_data["skills"]), frozenset(shop_data["bay_types"]))
    cases = []
    for path in sorted((directory / "cases").glob("*.json")):
        data = json.loads(path.read_text())
        cases.append(GoldenCase(data["id"], WorkOrder(**data["work_order"]), data["expected"]))
    return shop, cases


def evaluate(cases: list[GoldenCase], shop: Shop, config: GatewayConfig) -> Report:
    report = Report(mode="llm" if config.uses_models else "canned")
    for case in cases:
        started = time.perf_counter()
        enrichment = enrich(case.work_order, config)
        plan = plan_tasks(case.work_order, enrichment.result, shop, config)
        report.results.append(CaseResult(case, enrichment, plan, (time.perf_counter() - started) * 1000))
    return report
