-- name: recent_imports
select id, filename, source, mode, status, size_bytes, rows_total, rows_invalid, work_orders_total,
       work_orders_written, work_orders_created, work_orders_updated, work_orders_unchanged, work_orders_failed,
       error_count, errors, warnings, created_by, created_at, started_at, finished_at
  from public.imports
 order by created_at desc
 limit :limit

-- name: import_
select id, filename, source, mode, status, size_bytes, rows_total, rows_invalid, work_orders_total,
       work_orders_written, work_orders_created, work_orders_updated, work_orders_unchanged, work_orders_failed,
       error_count, errors, warnings, created_by, created_at, started_at, finished_at
  from public.imports
 where id = :id
