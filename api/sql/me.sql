-- name: me
select p.id, p.role, p.display_name, p.email, t.id as technician_id
  from public.profiles p left join public.technicians t on t.profile_id = p.id
 where p.id = :id
