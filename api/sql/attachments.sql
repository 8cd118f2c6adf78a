-- name: insert_attachment
-- The same file (sha256) on the same task is one attachment: a second insert returns nothing.
insert into public.attachments (id, task_id, work_order_id, uploaded_by, content_type, size, sha256,
                                storage_key, thumbnail_key)
values (:id, :task_id, :work_order_id, auth.uid(), :content_type, :size, :sha256, :storage_key, :thumbnail_key)
on conflict (task_id, sha256) do nothing
returning id, task_id, work_order_id, uploaded_by, content_type, size, sha256, storage_key, thumbnail_key, created_at

-- name: same_file
select id, task_id, work_order_id, uploaded_by, content_type, size, sha256, storage_key, thumbnail_key, created_at
  from public.attachments where task_id = :task_id and sha256 = :sha256

-- name: task
select id, work_order_id from public.tasks where id = :id

-- name: task_attachments
select id, task_id, work_order_id, uploaded_by, content_type, size, sha256, storage_key, thumbnail_key, created_at
  from public.attachments where task_id = :id order by created_at, id

-- name: work_order_attachments
select id, task_id, work_order_id, uploaded_by, content_type, size, sha256, storage_key, thumbnail_key, created_at
  from public.attachments where work_order_id = :id order by created_at, id

-- name: attachment
select id, task_id, work_order_id, uploaded_by, content_type, size, sha256, storage_key, thumbnail_key, created_at
  from public.attachments where id = :id

-- name: delete_attachment
delete from public.attachments where id = :id returning storage_key, thumbnail_key
