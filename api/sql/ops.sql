-- name: stats
select * from bayflow.queue_stats()

-- name: schedule_stats
select * from bayflow.schedule_stats()

-- name: as_authenticated
-- The metrics scraper has no token claims: the aggregates need only the role.
select set_config('role', 'authenticated', true)
