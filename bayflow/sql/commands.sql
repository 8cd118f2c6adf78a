-- What the `bayflow` commands read.

-- name: user_by_email
select id, email from auth.users where lower(email) = lower(:email)

-- name: pending_tasks
select exists (select from public.tasks where status = 'pending')

-- name: demo_users
-- One dispatcher and one technician to show tokens for.
select distinct on (role) role, email from public.profiles
 where role in ('dispatcher', 'tech') and email is not null
 order by role, email

-- name: import_status
select status, rows_total, rows_invalid, work_orders_total, work_orders_written, work_orders_created,
       work_orders_updated, work_orders_unchanged, error_count, errors
  from public.imports where id = :id

-- name: queue_stats
select * from bayflow.queue_stats()
