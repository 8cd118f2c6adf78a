"""Configuration, read once from the environment (every variable is listed in the README)."""
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str | None = Field(default=None, description="Postgres >= 15; unset: embedded Postgres")
    bayflow_home: Path = Field(default=Path(".bayflow"), description="local state: embedded Postgres, dev keys")
    bayflow_api_host: str = Field(default="127.0.0.1", description="address `bayflow api`/`bayflow demo` listen on")
    bayflow_api_port: int = Field(default=8000, description="port `bayflow api`/`bayflow demo` listen on")
    bayflow_api_database_url: str | None = Field(default=None, description="login role for the API (member of `authenticated`, e.g. Supabase's authenticator); unset: DATABASE_URL + `set role bayflow_api`")
    bayflow_api_pool_size: int = Field(default=10, ge=1, description="API database connections (opened as needed, kept open); more concurrent requests wait for one in arrival order")
    bayflow_api_statement_cache: bool = Field(default=True, description="API reuses prepared statements per connection; set false behind a transaction-mode pooler (Supavisor port 6543, pgbouncer)")
    bayflow_api_max_header_bytes: int = Field(default=16 * 1024, ge=1024, description="largest request headers, names and values together (larger: 431)")
    bayflow_api_max_json_bytes: int = Field(default=1024 * 1024, gt=0, description="largest JSON request body (larger: 413, checked from Content-Length and while it streams, after the token)")
    bayflow_metrics_token: SecretStr | None = Field(default=None, description="bearer token Prometheus must send to scrape /metrics; unset: /metrics answers 404")
    bayflow_public_url: str | None = Field(default=None, description="the API's public base URL: issuer base of the dev JWKS (default http://host:port) and base of signed attachment download URLs (default: the request's own URL)")

    supabase_url: str | None = Field(default=None, description="Supabase project URL: tokens are verified against its JWKS and issuer; unset: bayflow's own dev issuer")
    supabase_anon_key: str | None = Field(default=None, description="the Supabase project's public anon key, handed to the board and the technician app for signing in with email and password (not a secret)")
    supabase_jwt_secret: SecretStr | None = Field(default=None, description="legacy HS256 JWT secret; set: HS256 tokens are accepted too")
    bayflow_jwks_lifespan_s: int = Field(default=300, gt=0, description="seconds a fetched JWKS is trusted before it is fetched again")
    bayflow_jwks_cooldown_s: float = Field(default=5.0, ge=0, description="least seconds between JWKS refreshes forced by an unknown kid")

    bayflow_broker: str = Field(default="postgres", pattern="^(postgres|rabbitmq)$", description="dramatiq broker: bayflow's Postgres job_queue, or RabbitMQ for scale-out")
    rabbitmq_url: str = Field(default="amqp://guest:guest@127.0.0.1:5672/", description="RabbitMQ URL when BAYFLOW_BROKER=rabbitmq")
    bayflow_job_lease_s: float = Field(default=10.0, gt=0, description="seconds a claimed job stays leased without a heartbeat; a dead worker's jobs are claimable again after it")
    bayflow_job_claim_batch: int = Field(default=50, ge=1, le=1000, description="most jobs a consumer claims per statement")
    bayflow_job_retention_s: int = Field(default=7 * 86400, ge=0, description="seconds finished jobs and results are kept before they are purged")
    bayflow_worker_processes: int = Field(default=2, ge=1, description="`bayflow worker` processes")
    bayflow_worker_threads: int = Field(default=8, ge=1, description="`bayflow worker` threads per process")
    bayflow_worker_prefetch: int = Field(default=100, ge=1, description="jobs a worker process holds per queue (claimed, not yet finished)")
    bayflow_worker_metrics_port: int | None = Field(default=None, description="port of dramatiq's Prometheus exposition server for worker metrics, on 127.0.0.1 unless dramatiq_prom_host says otherwise; unset: off")
    bayflow_worker_shutdown_timeout_s: float = Field(default=30.0, gt=0, description="seconds `bayflow worker` lets in-flight jobs finish on SIGTERM before releasing them")

    anthropic_api_key: SecretStr | None = Field(default=None, description="Anthropic key; unset: the Anthropic route is skipped")
    openai_api_key: SecretStr | None = Field(default=None, description="OpenAI key; unset: no OpenAI fallback (no key at all: canned jobs plan tasks)")
    anthropic_base_url: str | None = Field(default=None, description="Anthropic API base URL (a proxy, or a test server)")
    openai_base_url: str | None = Field(default=None, description="OpenAI API base URL (a proxy, or a test server)")
    anthropic_model: str = Field(default="claude-sonnet-5", description="model for enrichment and task plans")
    openai_model: str = Field(default="gpt-4.1-mini", description="fallback model when Anthropic fails or is unset")
    llm_deadline_s: float = Field(default=60.0, gt=0, description="overall LLM time budget per work order step, retries included")
    llm_max_retries: int = Field(default=2, ge=0, le=10, description="HTTP retries the provider SDKs make per call")

    bayflow_schedule_horizon_days: int = Field(default=7, ge=1, le=60, description="days ahead the scheduler plans")
    bayflow_solver_time_limit_s: float = Field(default=10.0, gt=0, description="CP-SAT time limit per schedule run")
    bayflow_solver_workers: int = Field(default=2, ge=1, description="CP-SAT num_workers, and neighbourhood searchers (keep <= cores)")
    bayflow_reopt_time_limit_s: float = Field(
        default=0.5, gt=0, description="time limit of a partial re-optimization (a change's neighbourhood); "
                                       "full runs use BAYFLOW_SOLVER_TIME_LIMIT_S")
    bayflow_frozen_window_minutes: int = Field(
        default=120, ge=0, le=1440,
        description="tasks starting within this many minutes move in a re-optimization only if they became infeasible")
    bayflow_reopt_nightly_cron: str = Field(
        default="0 2 * * *", description="when the full re-optimization runs, 5-field cron in the shop's time zone "
                                         "(shop_settings.timezone, read when a worker starts)")
    bayflow_schedule_weights: dict[str, int] = Field(
        default_factory=dict,
        description='JSON objective weights, e.g. {"tardiness": 10, "completion": 1, "stability": 5}; unset keys keep defaults')

    bayflow_import_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="largest CSV file an import accepts (larger: 413)")
    bayflow_import_max_rows: int = Field(default=50_000, gt=0, description="most data rows in one CSV import (more: 413)")
    bayflow_import_batch_size: int = Field(default=500, ge=1, description="work orders written per transaction by a good_rows import (progress is reported per batch)")
    bayflow_webhook_timeout_s: float = Field(default=5.0, gt=0, description="HTTP timeout of one outbound webhook attempt")
    bayflow_webhook_max_attempts: int = Field(default=8, ge=1, le=30, description="attempts of an outbound webhook delivery before it is dead-lettered")
    bayflow_webhook_min_backoff_ms: int = Field(default=2_000, ge=0, description="delay before the first retry of a failed delivery (doubles each retry)")
    bayflow_webhook_max_backoff_ms: int = Field(default=3_600_000, ge=0, description="longest delay between delivery retries")
    bayflow_webhook_replay_window_s: int = Field(default=300, gt=0, description="inbound webhooks: largest age (or clock skew) of X-Bayflow-Timestamp accepted")
    bayflow_webhook_max_body_bytes: int = Field(default=1024 * 1024, gt=0, description="largest inbound webhook body (larger: 413)")

    bayflow_pipeline_max_retries: int = Field(default=5, ge=0, le=30, description="retries of a work-order pipeline step (enrich, plan, schedule, notify) before its run is marked failed")
    bayflow_pipeline_min_backoff_ms: int = Field(default=2_000, ge=0, description="delay before the first retry of a failed pipeline step (doubles each retry)")
    bayflow_pipeline_max_backoff_ms: int = Field(default=300_000, ge=0, description="longest delay between retries of a pipeline step")
    bayflow_pipeline_schedule_delay_ms: int = Field(default=1_000, ge=0, description="how long the schedule step waits for more planned work orders to join its one solve (coalescing window)")

    bayflow_storage_url: str | None = Field(default=None, pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", description="where attachments are stored: s3://bucket/prefix for S3-compatible object storage (Supabase Storage's S3 endpoint, MinIO, AWS S3); unset: files under BAYFLOW_HOME/attachments")
    bayflow_storage_endpoint_url: str | None = Field(default=None, description="S3 endpoint URL (e.g. https://<ref>.supabase.co/storage/v1/s3, http://127.0.0.1:9000 for MinIO); set: path-style addressing; unset: AWS S3")
    bayflow_storage_region: str = Field(default="us-east-1", description="S3 region of the bucket (Supabase: the project's region)")
    bayflow_storage_access_key_id: SecretStr | None = Field(default=None, description="S3 access key id; unset: boto3's own credential chain (environment, profile, instance role)")
    bayflow_storage_secret_access_key: SecretStr | None = Field(default=None, description="S3 secret access key (never logged)")
    bayflow_attachment_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="largest attachment upload accepted (larger: 413, refused before it is read whole)")
    bayflow_attachment_url_ttl_s: int = Field(default=300, gt=0, le=86400, description="seconds a signed attachment download URL stays valid")
    bayflow_url_signing_secret: SecretStr | None = Field(default=None, description="HMAC key of signed download URLs (set the same on every API host); unset: a random key kept at BAYFLOW_HOME/url-signing.key")


@lru_cache
def settings() -> Settings:
    return Settings()
