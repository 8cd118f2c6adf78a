-- The CSV import: its `imports` row, and the step that validates and writes it (pipelines/imports.py).

-- name: insert_import
insert into public.imports (filename, source, mode, content, size_bytes, rows_total, created_by)
values (:filename, :source, :mode, :content, :size, :rows, :created_by)
returning id::text

-- name: shop_date_rules
select local_date_format, timezone from public.shop_settings

-- name: lock_import
select status, mode, source, content, created_by::text from public.imports where id = :id for update

-- name: mark_validating
update public.imports set status = 'validating', started_at = coalesce(started_at, now()), updated_at = now()
 where id = :id

-- name: mark_writing
update public.imports
   set status = 'writing', rows_total = :rows_total, rows_invalid = :rows_invalid,
       work_orders_total = :work_orders_total, warnings = :warnings, updated_at = now()
 where id = :id

-- name: set_actor
-- who the audit log names for the writes of this transaction
select set_config('bayflow.actor', :actor, true)

-- name: upsert_work_orders
-- a batch of work orders in one round trip, with the outcome of each, in order
select u.work_order_id::text, u.outcome
  from unnest(:docs::jsonb[]) with ordinality d (doc, ord), lateral bayflow.upsert_work_order(d.doc) u
 order by d.ord

-- name: upsert_work_order
select work_order_id::text, outcome from bayflow.upsert_work_order(:doc)

-- name: remember_outcomes
-- the first outcome stays: a retried import finds its own earlier writes unchanged
insert into public.import_work_orders (import_id, work_order_id, outcome)
select :import_id, w, o from unnest(:work_order_ids::uuid[], :outcomes::text[]) as t(w, o)
on conflict do nothing

-- name: report_progress
update public.imports set work_orders_written = :written, updated_at = now() where id = :id

-- name: finish_import
update public.imports i
   set status = :status, rows_invalid = :rows_invalid, work_orders_created = c.created,
       work_orders_updated = c.updated, work_orders_unchanged = c.unchanged, work_orders_failed = :refused,
       work_orders_written = c.created + c.updated + c.unchanged, error_count = :error_count,
       errors = :errors, finished_at = now(), updated_at = now()
  from (select count(*) filter (where outcome = 'created') as created,
               count(*) filter (where outcome = 'updated') as updated,
               count(*) filter (where outcome = 'unchanged') as unchanged
          from public.import_work_orders where import_id = :id) c
 where i.id = :id
returning c.created, c.updated, c.unchanged

-- name: changed_work_orders
select work_order_id::text from public.import_work_orders where import_id = :id and outcome <> 'unchanged'
