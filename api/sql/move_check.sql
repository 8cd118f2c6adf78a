-- name: numbers
select id, number from public.work_orders where id = any(cast(:ids as uuid[]))
