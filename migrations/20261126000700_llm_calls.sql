-- One row per LLM provider call made by the gateway (gateway/outcome.py CallRecord),
-- written by the pipeline step that called it: tokens and cost include repairs and
-- fallbacks, so spend per work order, prompt version or model is a plain aggregate.

create table public.llm_calls (
  id bigint generated always as identity primary key,
  work_order_id uuid references public.work_orders (id) on delete set null,
  purpose text not null check (purpose in ('enrich', 'plan_tasks')),
  attempt text not null check (attempt in ('first', 'repair', 'fallback')),
  prompt_name text not null check (length(prompt_name) > 0),
  prompt_hash text not null check (length(prompt_hash) > 0),
  schema_version text not null,
  provider text not null check (provider in ('anthropic', 'openai')),
  model text not null,
  tokens_in integer not null default 0 check (tokens_in >= 0),
  tokens_out integer not null default 0 check (tokens_out >= 0),
  cost_usd numeric(12, 6) check (cost_usd >= 0),   -- null: model missing from the price table
  latency_ms integer not null check (latency_ms >= 0),
  outcome text not null check (outcome in ('valid', 'invalid', 'repaired', 'error', 'refused', 'deadline')),
  error text,
  created_at timestamptz not null default now()
);
create index llm_calls_work_order_idx on public.llm_calls (work_order_id);
create index llm_calls_created_at_idx on public.llm_calls (created_at);

-- Staff read the log through the API; only the service role (the pipeline) writes it.
revoke all on public.llm_calls from public, anon, authenticated, service_role;
grant select on public.llm_calls to authenticated;
grant select, insert on public.llm_calls to service_role;
alter table public.llm_calls enable row level security;
create policy staff_read on public.llm_calls for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
