-- name: list_bays
-- A page of bays after the cursor (null on the first page), with optional filters.
select id, name, bay_type, capabilities, active, created_at, updated_at, version
  from public.bays
 where (created_at, id) > (coalesce(:after_created_at::timestamptz, '-infinity'),
                       coalesce(:after_id::uuid, '00000000-0000-0000-0000-000000000000'))
   and (:active::boolean is null or active = :active)
   and (:bay_type::text is null or bay_type = :bay_type)
 order by created_at, id
 limit :limit
