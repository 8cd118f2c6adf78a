-- name: change
-- A note is appended; the reason is kept only for `blocked` (the trigger clears it otherwise).
update public.tasks
   set status = :status,
       blocked_reason = case when :status = 'blocked' then coalesce(:reason, blocked_reason) end,
       notes = case when cast(:note as text) is null then notes
                    when notes is null or notes = '' then :note
                    else notes || E'\n' || :note end
 where id = :id
returning id

-- name: current_status
select status, blocked_reason from public.tasks where id = :id
