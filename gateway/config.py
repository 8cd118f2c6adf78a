"""Everything the gateway needs to know about providers and files, as one immutable value."""
from dataclasses import dataclass, field
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class GatewayConfig:
    anthropic_api_key: str | None = field(default=None, repr=False)
    openai_api_key: str | None = field(default=None, repr=False)
    anthropic_base_url: str | None = None
    openai_base_url: str | None = None
    anthropic_model: str = "claude-sonnet-5"
    openai_model: str = "gpt-4.1-mini"
    deadline_s: float = 60.0
    max_retries: int = 2
    max_output_tokens: int = 2048
    prompts_dir: Path = _ROOT / "prompts"
    canned_jobs_path: Path = _ROOT / "seeds" / "canned_jobs.json"

    @property
    def uses_models(self) -> bool:
        return bool(self.anthropic_api_key or self.openai_api_key)

    @classmethod
    def from_settings(cls, s) -> "GatewayConfig":
        """From `bayflow.config.Settings` (duck-typed so the gateway does not import the app)."""
        secret = lambda v: v.get_secret_value() if v is not None else None  # noqa: E731
        return cls(anthropic_api_key=secret(s.anthropic_api_key), openai_api_key=secret(s.openai_api_key),
                   anthropic_base_url=s.anthropic_base_url, openai_base_url=s.openai_base_url,
                   anthropic_model=s.anthropic_model, openai_model=s.openai_model,
                   deadline_s=s.llm_deadline_s, max_retries=s.llm_max_retries)
