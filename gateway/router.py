"""Route one structured request: Anthropic, one repair with the validation errors,
then OpenAI; whatever is still not valid goes to review with the reasons.

Refusals and provider errors skip the repair (there is nothing to repair) and go
straight to the next provider; a passed deadline stops the route.
"""
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic
import openai
from pydantic import BaseModel, ValidationError

from gateway.deadline import Deadline, DeadlineExceeded, active
from gateway.outcome import CallRecord, Outcome
from gateway.pricing import cost_usd
from gateway.prompts import Prompt
from gateway.providers import AnthropicProvider, Reply, Request
from gateway.redaction import Redaction
from gateway.schemas import SCHEMA_VERSION


@dataclass(frozen=True)
class Job:
    """A structured request and how to judge its answer."""

    work_order_id: str | None
    purpose: str
    prompt: Prompt
    repair_prompt: Prompt
    request: Request
    result_type: type[BaseModel]
    extra_checks: Callable[[Any], list[str]]
    redaction: Redaction


def route(job: Job, providers: list, deadline: Deadline) -> Outcome:
    calls: list[CallRecord] = []
    reasons: list[str] = []
    with active(deadline):
        for index, provider in enumerate(providers):
            attempt = "first" if index == 0 else "fallback"
            reply, record, result, problems = _attempt(job, provider, job.request, job.prompt, attempt, deadline)
            calls.append(record)
            if result is not None:
                return Outcome("valid", result, f"{provider.name}:{provider.model}", [], calls)
            reasons.append(f"{provider.name} ({attempt}): {record.outcome}: " + "; ".join(problems))
            if record.outcome == "invalid" and isinstance(provider, AnthropicProvider) and reply.tool_use_id:
                feedback = job.repair_prompt.render(errors="\n".join(f"- {p}" for p in problems))
                repair = Request(job.request.system, provider.repair_messages(job.request, reply, feedback),
                                 job.request.tool_name, job.request.tool_description, job.request.schema)
                prompt = Prompt(f"{job.prompt.name}+{job.repair_prompt.name}",
                                job.prompt.template + job.repair_prompt.template)
                reply, record, result, problems = _attempt(job, provider, repair, prompt, "repair", deadline)
                calls.append(record)
                if result is not None:
                    return Outcome("valid", result, f"{provider.name}:{provider.model}", [], calls)
                reasons.append(f"{provider.name} (repair): {record.outcome}: " + "; ".join(problems))
            if record.outcome == "deadline":
                break
    return Outcome("needs_review", None, None, reasons, calls)


def _attempt(job: Job, provider, request: Request, prompt: Prompt, attempt: str, deadline: Deadline):
    """One provider call: (reply, record, validated result or None, problems)."""
    started = time.monotonic()
    reply: Reply | None = None
    result = None
    error = None
    try:
        reply = provider.call(request, deadline)
    except DeadlineExceeded as exc:
        outcome, problems, error = "deadline", [str(exc)], str(exc)
    except (anthropic.APIError, openai.APIError) as exc:
        error = _describe(exc)
        outcome, problems = "error", [error]
    else:
        if reply.refusal is not None:
            outcome, problems = "refused", [f"refused: {reply.refusal[:300]}"]
        elif reply.parse_error:
            outcome, problems = "invalid", [reply.parse_error]
        else:
            result, problems = _validate(job, reply.output)
            outcome = ("repaired" if attempt == "repair" else "valid") if result is not None else "invalid"
    tokens_in, tokens_out = (reply.tokens_in, reply.tokens_out) if reply else (0, 0)
    record = CallRecord(
        work_order_id=job.work_order_id, purpose=job.purpose, attempt=attempt, prompt_name=prompt.name,
        prompt_hash=prompt.hash, schema_version=SCHEMA_VERSION, provider=provider.name, model=provider.model,
        tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost_usd(provider.model, tokens_in, tokens_out),
        latency_ms=round((time.monotonic() - started) * 1000), outcome=outcome,
        error=error if outcome in ("error", "deadline") else ("; ".join(problems)[:2000] or None))
    return reply, record, result, problems


def _validate(job: Job, output: Any):
    """Schema, then cross-field checks, on the redacted output; the result has placeholders restored."""
    try:
        parsed = job.result_type.model_validate(output)
    except ValidationError as exc:
        return None, [f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()]
    problems = job.extra_checks(parsed)
    if problems:
        return None, problems
    return job.result_type.model_validate(job.redaction.restore(parsed.model_dump())), []


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "") + f": {message}"[:500]
