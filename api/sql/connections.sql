-- name: set_api_role
-- Every new connection of an engine logged in with DATABASE_URL: a role with no table rights of
-- its own, so a query outside a request transaction (which switches to `authenticated`) fails closed.
set role bayflow_api
