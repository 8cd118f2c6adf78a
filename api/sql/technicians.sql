-- name: list_technicians
-- A page of technicians after the cursor (null on the first page), with optional filters.
select id, profile_id, name, skills, active, created_at, updated_at, version
  from public.technicians
 where (created_at, id) > (coalesce(:after_created_at::timestamptz, '-infinity'),
                       coalesce(:after_id::uuid, '00000000-0000-0000-0000-000000000000'))
   and (:active::boolean is null or active = :active)
   and (:skill::text is null or :skill = any(skills))
 order by created_at, id
 limit :limit
