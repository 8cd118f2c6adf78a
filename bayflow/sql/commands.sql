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

-- name: workers_ready
-- What the workers read as they start (the broker's queue, the periodic jobs' shop time zone): checked
-- first, so an unmigrated database gets the CLI's "run `bayflow db migrate`", not a crash in each process.
select 1 from public.job_queue, public.shop_settings limit 0
