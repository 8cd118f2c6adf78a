"""One structured-output call to Anthropic (forced strict tool) or OpenAI (strict json_schema).

A provider returns a `Reply` (the parsed output or a refusal, and the usage) and
raises the SDK's errors or `DeadlineExceeded`; judging the output is the router's job.
HTTP retries are the SDKs' own (`max_retries`); the deadline transport bounds them.
"""
import json
from dataclasses import dataclass
from typing import Any

import anthropic
import httpx2
import openai

from gateway.config import GatewayConfig
from gateway.deadline import (AnthropicDeadlineExceeded, Deadline, DeadlineTransport,
                              OpenAIDeadlineExceeded)


@dataclass(frozen=True)
class Reply:
    output: Any  # the tool input / parsed JSON; None when refused or unparseable
    refusal: str | None
    tokens_in: int
    tokens_out: int
    parse_error: str | None = None
    tool_use_id: str | None = None  # Anthropic: needed to answer with a tool_result when repairing


@dataclass(frozen=True)
class Request:
    system: str
    messages: list[dict[str, Any]]
    tool_name: str
    tool_description: str
    schema: dict[str, Any]


def _http_client(error: type) -> httpx2.Client:
    return httpx2.Client(transport=DeadlineTransport(httpx2.HTTPTransport(), error))


class AnthropicProvider:
    name = "anthropic"

    def __init__(self, config: GatewayConfig) -> None:
        self.model = config.anthropic_model
        self.max_tokens = config.max_output_tokens
        self.client = anthropic.Anthropic(api_key=config.anthropic_api_key, base_url=config.anthropic_base_url,
                                          max_retries=config.max_retries,
                                          http_client=_http_client(AnthropicDeadlineExceeded))

    def call(self, request: Request, deadline: Deadline) -> Reply:
        message = self.client.messages.create(
            model=self.model, max_tokens=self.max_tokens, system=request.system, messages=request.messages,
            tools=[{"name": request.tool_name, "description": request.tool_description,
                    "input_schema": request.schema, "strict": True}],
            tool_choice={"type": "tool", "name": request.tool_name},
            timeout=max(deadline.remaining(), 0.001))
        usage = message.usage
        tool_use = next((b for b in message.content if b.type == "tool_use" and b.name == request.tool_name), None)
        if message.stop_reason == "refusal" or tool_use is None:
            text = " ".join(b.text for b in message.content if b.type == "text").strip()
            return Reply(None, text or f"no tool call (stop_reason {message.stop_reason})",
                         usage.input_tokens, usage.output_tokens)
        return Reply(tool_use.input, None, usage.input_tokens, usage.output_tokens, tool_use_id=tool_use.id)

    @staticmethod
    def repair_messages(request: Request, reply: Reply, feedback: str) -> list[dict[str, Any]]:
        """The conversation continued with the model's invalid tool call and the validation errors."""
        return [*request.messages,
                {"role": "assistant", "content": [{"type": "tool_use", "id": reply.tool_use_id,
                                                   "name": request.tool_name, "input": reply.output}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": reply.tool_use_id,
                                              "is_error": True, "content": feedback}]}]


class OpenAIProvider:
    name = "openai"

    def __init__(self, config: GatewayConfig) -> None:
        self.model = config.openai_model
        self.max_tokens = config.max_output_tokens
        self.client = openai.OpenAI(api_key=config.openai_api_key, base_url=config.openai_base_url,
                                    max_retries=config.max_retries,
                                    http_client=_http_client(OpenAIDeadlineExceeded))

    def call(self, request: Request, deadline: Deadline) -> Reply:
        completion = self.client.chat.completions.create(
            model=self.model, max_completion_tokens=self.max_tokens,
            messages=[{"role": "system", "content": request.system}, *request.messages],
            response_format={"type": "json_schema", "json_schema": {
                "name": request.tool_name, "description": request.tool_description,
                "strict": True, "schema": request.schema}},
            timeout=max(deadline.remaining(), 0.001))
        usage = completion.usage
        tokens_in, tokens_out = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        message = completion.choices[0].message
        if message.refusal:
            return Reply(None, message.refusal, tokens_in, tokens_out)
        try:
            return Reply(json.loads(message.content or ""), None, tokens_in, tokens_out)
        except json.JSONDecodeError as exc:
            return Reply(None, None, tokens_in, tokens_out,
                         parse_error=f"output is not JSON ({exc}; finish_reason {completion.choices[0].finish_reason})")
