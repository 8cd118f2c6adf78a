-- name: begin_request
-- One round trip (migration 0460): role `authenticated`, then the claims and request id as
-- transaction-local settings, then the caller's profile role (null: no profile).
select bayflow.begin_request(:claims, :request_id)
