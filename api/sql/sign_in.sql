-- name: users
select id, email, role, display_name from bayflow.dev_sign_in_users()
