"""A real HTTP server on 127.0.0.1 speaking the Anthropic Messages and OpenAI Chat
Completions wire formats, replaying scripted responses and recording every request.

Scripts are keyed by case: a case's `match` phrase is looked up in the request's first
user message ("" matches anything), then by purpose (the tool / json_schema name) and
provider. Each step is a compact recorded response:
  {"tool_input": {...}}               Anthropic tool_use message   | OpenAI: {"content": {...}}
  {"refusal": "..."}                  Anthropic stop_reason refusal | OpenAI message.refusal
  {"text": "..."}                     Anthropic end_turn, no tool   | OpenAI content that is not JSON
  {"status": 529, "times": 3}         an error response, repeated `times` times
plus optional "usage" {"input_tokens", "output_tokens"}, "delay_s" (sleep before answering)
and "retry_after_s" (error responses otherwise carry `retry-after-ms: 1` so SDK backoff is short).
A request with no step left gets a 418 naming what was missing, which the SDKs do not retry.
"""
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.servers import LocalServer, QuietHandler

PURPOSE_BY_TOOL = {"record_enrichment": "enrich", "record_task_plan": "plan_tasks"}
_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error",
                500: "api_error", 503: "api_error", 529: "overloaded_error"}


@dataclass(frozen=True)
class RecordedRequest:
    provider: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes
    at: float

    @property
    def purpose(self) -> str | None:
        if self.provider == "anthropic":
            return PURPOSE_BY_TOOL.get((self.body.get("tool_choice") or {}).get("name"))
        return PURPOSE_BY_TOOL.get(((self.body.get("response_format") or {}).get("json_schema") or {}).get("name"))


class FakeLLMServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._cases: list[tuple[str, dict]] = []
        self._cursors: dict[tuple[str, str, str], int] = {}
        self.requests: list[RecordedRequest] = []
        server = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                status, headers, body = server._answer(self.path, dict(self.headers.items()), raw)
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in {**headers, "content-type": "application/json",
                                        "content-length": str(len(payload))}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout); nothing to answer

        self._server = LocalServer(Handler)

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> "FakeLLMServer":
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()
        self._server.close()

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    # -- scripting -------------------------------------------------------------------
    def script(self, responses: dict, match: str = "") -> None:
        """Replace all scripts by one case: {purpose: {provider: [step, ...]}}."""
        self.load_cases([{"match": match, "responses": responses}])

    def load_cases(self, cases: list[dict]) -> None:
        """Replace all scripts by many cases, each {"match": phrase, "responses": {...}}; clears the log."""
        expanded = []
        for case in cases:
            per_purpose = {purpose: {provider: [step for step in steps for _ in range(step.get("times", 1))]
                                     for provider, steps in by_provider.items()}
                           for purpose, by_provider in case["responses"].items()}
            expanded.append((case.get("match", ""), per_purpose))
        with self._lock:
            self._cases = expanded
            self._cursors = {}
            self.requests = []

    def requests_to(self, provider: str, purpose: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.provider == provider and (purpose is None or r.purpose == purpose)]

    # -- answering -------------------------------------------------------------------
    def _answer(self, path: str, headers: dict[str, str], raw: bytes):
        provider = ("anthropic" if path.endswith("/v1/messages")
                    else "openai" if path.endswith("/chat/completions") else None)
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return 400, {}, {"error": "request body is not JSON"}
        request = RecordedRequest(provider or "unknown", path, {k.lower(): v for k, v in headers.items()},
                                  body, raw, time.monotonic())
        with self._lock:
            self.requests.append(request)
            step = self._next_step(request)
        if provider is None:
            return 404, {}, {"error": f"fake server has no route {path}"}
        if step is None:
            missing = f"no scripted response for {provider} / {request.purpose} / {_first_user_text(body)[:80]!r}"
            return 418, {"x-should-retry": "false"}, _error_body(provider, 418, missing)
        if step.get("delay_s"):
            self._stopping.wait(step["delay_s"])
        usage = step.get("usage", {"input_tokens": 850, "output_tokens": 240})
        if "status" in step:
            wait = {"retry-after": str(step["retry_after_s"])} if "retry_after_s" in step else {"retry-after-ms": "1"}
            message = step.get("message", "Overloaded" if step["status"] == 529 else "scripted error")
            return step["status"], {**wait, "request-id": f"req_{uuid.uuid4().hex[:12]}"}, _error_body(
                provider, step["status"], message)
        if provider == "anthropic":
            return 200, {}, _anthropic_message(body, step, usage)
        return 200, {}, _openai_completion(body, step, usage)

    def _next_step(self, request: RecordedRequest) -> dict | None:
        text = _first_user_text(request.body)
        for match, per_purpose in self._cases:
            if match in text:
                steps = per_purpose.get(request.purpose or "", {}).get(request.provider, [])
                key = (match, request.purpose or "", request.provider)
                index = self._cursors.get(key, 0)
                self._cursors[key] = index + 1
                return steps[index] if index < len(steps) else None
        return None


def _first_user_text(body: dict) -> str:
    for message in body.get("messages", []):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def _error_body(provider: str, status: int, message: str) -> dict:
    kind = _ERROR_TYPES.get(status, "api_error")
    if provider == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _anthropic_message(request: dict, step: dict, usage: dict) -> dict:
    if "tool_input" in step:
        content = [{"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:20]}",
                    "name": request["tool_choice"]["name"], "input": step["tool_input"]}]
        stop = "tool_use"
    elif "refusal" in step:
        content, stop = [{"type": "text", "text": step["refusal"]}], "refusal"
    else:
        content, stop = [{"type": "text", "text": step.get("text", "")}], "end_turn"
    return {"id": f"msg_{uuid.uuid4().hex[:20]}", "type": "message", "role": "assistant",
            "model": request.get("model"), "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": usage["input_tokens"], "output_tokens": usage["output_tokens"],
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}


def _openai_completion(request: dict, step: dict, usage: dict) -> dict:
    refusal = step.get("refusal")
    content = None if refusal else json.dumps(step["content"]) if "content" in step else step.get("text", "")
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:20]}", "object": "chat.completion", "created": int(time.time()),
            "model": request.get("model"), "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": content, "refusal": refusal,
                                     "annotations": []}}],
            "usage": {"prompt_tokens": usage["input_tokens"], "completion_tokens": usage["output_tokens"],
                      "total_tokens": usage["input_tokens"] + usage["output_tokens"]}}
