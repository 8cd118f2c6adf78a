-- name: claim_deletions
-- The next batch of stored objects to remove; concurrent sweeps skip each other's rows.
select storage_key from public.storage_deletions order by requested_at, storage_key
 limit :batch for update skip locked

-- name: forget_deletions
delete from public.storage_deletions where storage_key = any(:keys::text[])
