-- name: list_calendar_events
-- A page of calendar events after the cursor (null on the first page), with optional filters.
select id, kind, technician_id, bay_id, starts_at, ends_at, recurrence, recurrence_until, note,
       created_at, updated_at, version
  from public.calendar_events
 where (created_at, id) > (coalesce(:after_created_at::timestamptz, '-infinity'),
                       coalesce(:after_id::uuid, '00000000-0000-0000-0000-000000000000'))
   and (:kind::text is null or kind = :kind)
   and (:technician_id::uuid is null or technician_id = :technician_id)
   and (:bay_id::uuid is null or bay_id = :bay_id)
   and (:starts_from::timestamptz is null or starts_at >= :starts_from)
   and (:starts_to::timestamptz is null or starts_at < :starts_to)
 order by created_at, id
 limit :limit
