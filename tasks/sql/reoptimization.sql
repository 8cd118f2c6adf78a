-- The nightly full re-optimization (tasks/reoptimization.py).

-- name: shop_timezone
select timezone from public.shop_settings

-- name: request_nightly
select bayflow.request_reoptimization('full', 'nightly', '{}', '{}', '{}', '{}', '{}', 'nightly re-optimization')::text
