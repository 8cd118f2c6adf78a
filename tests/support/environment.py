"""The environment bayflow reads its configuration from: for child processes a copy of this one
without a developer's real services, and in this process settings() re-read after a change."""
import os
from collections.abc import Iterable

from bayflow.config import settings
from bayflow.database import database_url

LLM_PROVIDER_ENV = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL")
# Would point a child process at real providers, another database or another Supabase project.
NOT_INHERITED = (*LLM_PROVIDER_ENV, "DATABASE_URL", "BAYFLOW_API_DATABASE_URL", "SUPABASE_URL", "SUPABASE_JWT_SECRET",
                 "BAYFLOW_PUBLIC_URL")


def child_environment(**values) -> dict[str, str]:
    """This process's environment without NOT_INHERITED, plus `values` (names upper-cased)."""
    inherited = {k: v for k, v in os.environ.items() if k.upper() not in NOT_INHERITED}
    return {**inherited, **{k.upper(): str(v) for k, v in values.items()}}


def forget_settings() -> None:
    """Drop the cached settings() and database_url(): the next call reads the environment again."""
    settings.cache_clear()
    database_url.cache_clear()


def set_environment(monkeypatch, unset: Iterable[str] = (), **values) -> None:
    """For one test: remove `unset`, set `values` (names upper-cased) and forget the settings read before."""
    for name in unset:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name.upper(), str(value))
    forget_settings()
