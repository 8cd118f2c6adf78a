-- name: list_audit
-- A page of the audit log, newest first, after the cursor (null on the first page), with optional filters.
select id, occurred_at, table_name, row_id, action, actor, actor_profile_id, db_role, request_id,
       old_row, new_row, changed_keys, diff
  from public.audit_log
 where (occurred_at, id) < (coalesce(:after_occurred_at::timestamptz, 'infinity'),
                            coalesce(:after_id::bigint, 9223372036854775807))
   and (:table::text is null or table_name = :table)
   and (:row_id::text is null or row_id = :row_id)
   and (:actor::text is null or actor = :actor)
   and (:from::timestamptz is null or occurred_at >= :from)
   and (:to::timestamptz is null or occurred_at < :to)
 order by occurred_at desc, id desc
 limit :limit
