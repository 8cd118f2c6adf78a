-- A dispatcher's move of a task (api/task_moves.py).

-- name: serialise_moves
-- Moves wait for each other: each is judged on a snapshot read outside its own transaction.
select pg_advisory_xact_lock(hashtextextended('bayflow:task-moves', 0))

-- name: place
update public.tasks
   set planned_start = :start, planned_end = :end, assigned_technician_id = :technician, bay_id = :bay,
       lock_start = :lock_start, lock_technician = :lock_technician, lock_bay = :lock_bay,
       status = case when status = 'pending' then 'scheduled' else status end
 where id = :id and version = :version
returning id

-- name: version
select version from public.tasks where id = :id

-- name: profiles
-- The sign-in profiles of these technicians (those that have one).
select distinct profile_id from public.technicians
 where id = any(cast(:ids as uuid[])) and profile_id is not null

-- name: publish_moved
select published_event_id, delivery from bayflow.publish_staff_event(
  'task.moved', :work_order_id, :task_id, cast(:audience as uuid[]), cast(:payload as jsonb))
