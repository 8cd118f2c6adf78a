-- A technician's refused task change names the fields (issue 20): the same rule as in
-- 20261126000400, now also giving the refused fields, comma-separated, as the error's
-- COLUMN, from which the API builds its problem's `errors`.
create or replace function bayflow.limit_tech_task_update() returns trigger
language plpgsql set search_path = '' as $$
declare
  changed text[];
begin
  if bayflow.app_role() is distinct from 'tech' then
    return new;
  end if;
  select array_agg(n.key order by n.key) into changed
    from jsonb_each(to_jsonb(new)) n
   where n.key not in ('status', 'notes', 'version', 'updated_at')
     and n.value is distinct from to_jsonb(old) -> n.key;
  if changed is not null then
    raise exception 'technicians may change only status and notes of their tasks, not %',
      array_to_string(changed, ', ')
      using errcode = 'insufficient_privilege', hint = 'ask a dispatcher to change the other fields',
            column = array_to_string(changed, ',');
  end if;
  return new;
end
$$;
