-- name: as_seed
-- The audit log names the seed as the actor of its writes.
select set_config('bayflow.actor', :actor, true)

-- name: shop_settings
-- Left alone when already as seeded: no version bump, no audit entry.
update public.shop_settings
   set name = :name, timezone = :timezone, local_date_format = :local_date_format
 where (name, timezone, local_date_format) is distinct from (:name, :timezone, :local_date_format)
