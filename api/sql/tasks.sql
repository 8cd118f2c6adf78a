-- A task is read with the ids it depends on (the view public.tasks_with_dependencies).

-- name: task
select t.*
  from public.tasks_with_dependencies t
 where t.id = :id

-- name: work_order_tasks
select t.*
  from public.tasks_with_dependencies t
 where t.work_order_id = :id
 order by t.position, t.created_at, t.id

-- name: list_tasks
-- A page of tasks after the cursor (null on the first page), with optional filters.
select t.*
  from public.tasks_with_dependencies t
 where (t.created_at, t.id) > (coalesce(:after_created_at::timestamptz, '-infinity'),
                               coalesce(:after_id::uuid, '00000000-0000-0000-0000-000000000000'))
   and (:status::text[] is null or t.status = any(:status::text[]))
   and (:work_order_id::uuid is null or t.work_order_id = :work_order_id)
   and (:assignee::uuid is null or t.assigned_technician_id = :assignee)
   and (:planned_from::timestamptz is null or t.planned_start >= :planned_from)
   and (:planned_to::timestamptz is null or t.planned_start < :planned_to)
 order by t.created_at, t.id
 limit :limit

-- name: work_order_exists
select id from public.work_orders where id = :id

-- name: task_exists
select id from public.tasks where id = :id

-- name: insert_task
-- At the end of its work order unless a position is given.
insert into public.tasks (work_order_id, position, name, duration_minutes, required_skill, required_bay_type,
                          needs_parts, parts_ready_at, assigned_technician_id, bay_id, notes, instructions)
values (:work_order_id,
        coalesce(:position, (select coalesce(max(position) + 1, 0) from public.tasks
                              where work_order_id = :work_order_id)),
        :name, :duration_minutes, :required_skill, :required_bay_type, :needs_parts, :parts_ready_at,
        :assigned_technician_id, :bay_id, :notes, :instructions)
returning id

-- name: add_dependency
insert into public.task_dependencies (task_id, depends_on_task_id)
values (:task_id, :depends_on_task_id)
on conflict do nothing

-- name: remove_dependency
delete from public.task_dependencies
 where task_id = :t and depends_on_task_id = :d
returning task_id
