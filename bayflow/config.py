"""Configuration, read once from the environment (every variable is listed in the README)."""
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str | None = Field(default=None, description="Postgres >= 15; unset: embedded Postgres")
    bayflow_home: Path = Field(default=Path(".bayflow"), description="local state: embedded Postgres, dev keys")
    bayflow_api_host: str = "127.0.0.1"
    bayflow_api_port: int = 8000
    bayflow_public_url: str | None = Field(default=None, description="issuer base of the dev JWKS; default http://host:port")

    supabase_url: str | None = None
    supabase_jwt_secret: SecretStr | None = None
    bayflow_jwks_lifespan_s: int = 300
    bayflow_jwks_cooldown_s: float = 5.0

    bayflow_broker: str = Field(default="postgres", pattern="^(postgres|rabbitmq)$")
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"

    anthropic_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    openai_base_url: str | None = None


@lru_cache
def settings() -> Settings:
    return Settings()
