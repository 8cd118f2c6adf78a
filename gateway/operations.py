"""The gateway's two operations. With an API key they ask the models (see `router`);
without any key they fall back to rules (enrichment) and canned jobs (task plans)."""
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from gateway.canned import Catalogue, load_canned_jobs, match_canned_jobs
from gateway.checks import plan_errors
from gateway.config import GatewayConfig
from gateway.deadline import Deadline
from gateway.outcome import Outcome
from gateway.prompts import load_prompt
from gateway.providers import AnthropicProvider, OpenAIProvider, Request
from gateway.redaction import redact
from gateway.router import Job, route
from gateway.rules import rule_enrichment
from gateway.schemas import Enrichment, TaskPlan
from gateway.shop import Shop, WorkOrder
from gateway.wire_schema import strict_schema

REPAIR_PROMPT = "repair.v1"


@dataclass(frozen=True)
class _Purpose:
    name: str
    prompt: str
    tool_name: str
    tool_description: str
    result_type: type[BaseModel]
    schema: dict[str, Any]


ENRICH = _Purpose("enrich", "enrich.v1", "record_enrichment", "Record the enrichment of the work order.",
                  Enrichment, strict_schema(Enrichment))
PLAN = _Purpose("plan_tasks", "plan_tasks.v1", "record_task_plan", "Record the task plan for the work order.",
                TaskPlan, strict_schema(TaskPlan))


def enrich(work_order: WorkOrder, config: GatewayConfig, deadline: Deadline | None = None) -> Outcome:
    """Category, urgency, priority and asset details of a work order.

    `deadline` bounds all provider calls, SDK retries included (default: `config.deadline_s` from now);
    pass one `Deadline` to both operations to bound a whole work order."""
    if not config.uses_models:
        return Outcome("valid", rule_enrichment(work_order.description, canned_jobs(config.canned_jobs_path)), "rules")
    return _ask(ENRICH, work_order, f"Work order:\n{work_order.description}", {}, lambda _: [], config, deadline)


def plan_tasks(work_order: WorkOrder, enrichment: Enrichment | None, shop: Shop, config: GatewayConfig,
               deadline: Deadline | None = None) -> Outcome:
    """The tasks (durations, skills, bays, parts, dependencies) to carry out a work order, using only
    the shop's skills and bay types."""
    if not config.uses_models:
        return _plan_from_canned_jobs(work_order, shop, config)
    message = f"Work order:\n{work_order.description}"
    if enrichment is not None:
        facts = enrichment.model_dump(include={"category", "urgency", "summary"})
        facts["asset"] = enrichment.asset.model_dump(exclude={"vin", "plate"})
        message += "\n\nWhat we know already:\n" + json.dumps(facts)
    values = {"skills": ", ".join(sorted(shop.skills)), "bay_types": ", ".join(sorted(shop.bay_types))}
    return _ask(PLAN, work_order, message, values, lambda plan: plan_errors(plan, shop), config, deadline)


def _plan_from_canned_jobs(work_order: WorkOrder, shop: Shop, config: GatewayConfig) -> Outcome:
    match = match_canned_jobs(work_order.description, canned_jobs(config.canned_jobs_path))
    if match is None:
        return Outcome("needs_review", None, None, ["no canned job matches the description"])
    problems = plan_errors(match.plan, shop)
    if problems:
        reasons = [f"{match.source} does not fit the shop: {p}" for p in problems]
        return Outcome("needs_review", None, match.source, reasons)
    return Outcome("valid", match.plan, match.source)


def _ask(purpose: _Purpose, work_order: WorkOrder, message: str, prompt_values: dict[str, str],
         extra_checks: Callable[[Any], list[str]], config: GatewayConfig, deadline: Deadline | None) -> Outcome:
    """Redact the message, then route it through the configured providers."""
    redaction = redact(work_order, message)
    prompt = load_prompt(config.prompts_dir, purpose.prompt)
    request = Request(system=prompt.render(**prompt_values), messages=[{"role": "user", "content": redaction.text}],
                      tool_name=purpose.tool_name, tool_description=purpose.tool_description, schema=purpose.schema)
    job = Job(work_order.id, purpose.name, prompt, load_prompt(config.prompts_dir, REPAIR_PROMPT), request,
              purpose.result_type, extra_checks, redaction)
    return route(job, providers(config), deadline or Deadline(config.deadline_s))


@lru_cache(maxsize=8)
def providers(config: GatewayConfig) -> list:
    """The configured providers in routing order; one SDK client each, shared by all threads."""
    chain = []
    if config.anthropic_api_key:
        chain.append(AnthropicProvider(config))
    if config.openai_api_key:
        chain.append(OpenAIProvider(config))
    return chain


@lru_cache(maxsize=8)
def canned_jobs(path: Path) -> Catalogue:
    return load_canned_jobs(path)
