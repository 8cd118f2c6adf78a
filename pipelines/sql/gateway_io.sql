-- What the LLM gateway reads from the database and hands back to it (pipelines/gateway_io.py).

-- name: work_order
select id::text, description, customer_name, customer_phone, customer_email, vin, plate
  from public.work_orders where id = :id

-- name: shop
-- Only what active technicians and bays provide: a plan may not ask for anything else.
select coalesce((select array_agg(distinct s) from public.technicians t, unnest(t.skills) s where t.active), '{}'),
       coalesce((select array_agg(distinct b.bay_type) from public.bays b where b.active), '{}')

-- name: insert_call
insert into public.llm_calls (work_order_id, purpose, attempt, prompt_name, prompt_hash, schema_version,
  provider, model, tokens_in, tokens_out, cost_usd, latency_ms, outcome, error)
values (:work_order_id, :purpose, :attempt, :prompt_name, :prompt_hash, :schema_version,
  :provider, :model, :tokens_in, :tokens_out, :cost_usd, :latency_ms, :outcome, :error)
