-- Who set a work order's priority, so that enrichment's suggestion applies only to a priority
-- nobody chose (issue 20: "enrichment's suggested priority is never applied").
--
-- `priority_set_by` is the actor (as in audit_log.actor: a profile id, `worker:<actor>`,
-- `webhook:<source>`) that last gave the priority a value; null while it is the default.
-- (The trigger fires only for statements that assign the priority.)
-- A writer that omits the priority (or sends null) gets the default 3 and no setter; an
-- explicit value records its actor. The enrichment step sets its suggestion only where the
-- setter is null, and is then the setter (audited as worker:enrich_work_order).

alter table public.work_orders add column priority_set_by text;
-- The trigger fills the default, so that it can tell an omitted priority from an explicit 3.
alter table public.work_orders alter column priority drop default;
-- Existing rows: a priority other than 3 was chosen by someone; 3 is taken as the default.
update public.work_orders set priority_set_by = 'migration' where priority <> 3;

-- Security definer, as bayflow.audit_change: every writer's role (the webhook role has no
-- rights on schema auth) names its actor the same way.
create function bayflow.track_priority_setter() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if new.priority is null then
    new.priority := 3;
    new.priority_set_by := null;
  -- A signed-in person's explicit priority counts even when it equals the old value.
  elsif tg_op = 'INSERT' or new.priority is distinct from old.priority or auth.uid() is not null then
    new.priority_set_by := coalesce(auth.uid()::text, nullif(current_setting('bayflow.actor', true), ''),
                                    nullif(current_setting('role'), 'none'), session_user::text);
  end if;
  return new;
end
$$;
revoke all on function bayflow.track_priority_setter() from public;

create trigger track_priority_setter before insert or update of priority on public.work_orders
  for each row execute function bayflow.track_priority_setter();

-- The one write path of a work order, as in 20261126000800, except that an absent or null
-- priority is passed on as null: the trigger above makes it the default with no setter.
create or replace function bayflow.upsert_work_order(doc jsonb)
returns table (work_order_id uuid, outcome text)
language plpgsql set search_path = '' as $$
declare
  v_id uuid;
  v_changed boolean := false;
  v_created boolean := false;
  v_task jsonb;
  v_task_id uuid;
  v_owner uuid;
  v_position integer := 0;
  v_rows integer;
  v_names jsonb := '{}';
  v_dep text;
begin
  if doc ? 'external_id' and doc ->> 'external_id' is not null then
    select w.id into v_id from public.work_orders w
     where w.source = doc ->> 'source' and w.external_id = doc ->> 'external_id' for update;
  else
    select w.id into v_id from public.work_orders w where w.id = (doc ->> 'id')::uuid for update;
  end if;

  if v_id is null then
    insert into public.work_orders as w (id, source, external_id, description, priority, due_at,
      customer_name, customer_phone, customer_email, asset_kind, asset_make, asset_model, asset_year,
      vin, plate, mileage, created_by)
    values (coalesce((doc ->> 'id')::uuid, gen_random_uuid()), doc ->> 'source', doc ->> 'external_id',
      doc ->> 'description', (doc ->> 'priority')::integer, (doc ->> 'due_at')::timestamptz,
      doc ->> 'customer_name', doc ->> 'customer_phone', doc ->> 'customer_email',
      coalesce(doc ->> 'asset_kind', 'vehicle'), doc ->> 'asset_make', doc ->> 'asset_model',
      (doc ->> 'asset_year')::integer, doc ->> 'vin', doc ->> 'plate', (doc ->> 'mileage')::integer,
      (doc ->> 'created_by')::uuid)
    on conflict do nothing
    returning w.id into v_id;
    if v_id is null then  -- inserted meanwhile by a concurrent import: update that one
      return query select * from bayflow.upsert_work_order(doc);
      return;
    end if;
    v_created := true;
  else
    update public.work_orders w set
      description = case when doc ? 'description' then doc ->> 'description' else w.description end,
      priority = case when doc ? 'priority' then (doc ->> 'priority')::integer else w.priority end,
      due_at = case when doc ? 'due_at' then (doc ->> 'due_at')::timestamptz else w.due_at end,
      customer_name = case when doc ? 'customer_name' then doc ->> 'customer_name' else w.customer_name end,
      customer_phone = case when doc ? 'customer_phone' then doc ->> 'customer_phone' else w.customer_phone end,
      customer_email = case when doc ? 'customer_email' then doc ->> 'customer_email' else w.customer_email end,
      asset_kind = case when doc ? 'asset_kind' then coalesce(doc ->> 'asset_kind', 'vehicle') else w.asset_kind end,
      asset_make = case when doc ? 'asset_make' then doc ->> 'asset_make' else w.asset_make end,
      asset_model = case when doc ? 'asset_model' then doc ->> 'asset_model' else w.asset_model end,
      asset_year = case when doc ? 'asset_year' then (doc ->> 'asset_year')::integer else w.asset_year end,
      vin = case when doc ? 'vin' then doc ->> 'vin' else w.vin end,
      plate = case when doc ? 'plate' then doc ->> 'plate' else w.plate end,
      mileage = case when doc ? 'mileage' then (doc ->> 'mileage')::integer else w.mileage end
    where w.id = v_id
      and (w.description, w.priority, w.due_at, w.customer_name, w.customer_phone, w.customer_email,
           w.asset_kind, w.asset_make, w.asset_model, w.asset_year, w.vin, w.plate, w.mileage)
      is distinct from (
        case when doc ? 'description' then doc ->> 'description' else w.description end,
        case when doc ? 'priority' then coalesce((doc ->> 'priority')::integer, 3) else w.priority end,
        case when doc ? 'due_at' then (doc ->> 'due_at')::timestamptz else w.due_at end,
        case when doc ? 'customer_name' then doc ->> 'customer_name' else w.customer_name end,
        case when doc ? 'customer_phone' then doc ->> 'customer_phone' else w.customer_phone end,
        case when doc ? 'customer_email' then doc ->> 'customer_email' else w.customer_email end,
        case when doc ? 'asset_kind' then coalesce(doc ->> 'asset_kind', 'vehicle') else w.asset_kind end,
        case when doc ? 'asset_make' then doc ->> 'asset_make' else w.asset_make end,
        case when doc ? 'asset_model' then doc ->> 'asset_model' else w.asset_model end,
        case when doc ? 'asset_year' then (doc ->> 'asset_year')::integer else w.asset_year end,
        case when doc ? 'vin' then doc ->> 'vin' else w.vin end,
        case when doc ? 'plate' then doc ->> 'plate' else w.plate end,
        case when doc ? 'mileage' then (doc ->> 'mileage')::integer else w.mileage end);
    v_changed := found;
  end if;

  for v_task in select * from jsonb_array_elements(coalesce(doc -> 'tasks', '[]')) loop
    v_task_id := null;
    if v_task ->> 'id' is not null then
      select t.id, t.work_order_id into v_task_id, v_owner from public.tasks t where t.id = (v_task ->> 'id')::uuid;
      if v_owner is not null and v_owner <> v_id then
        raise exception 'task % belongs to another work order', v_task ->> 'id'
          using errcode = 'check_violation', constraint = 'tasks_id_of_work_order';
      end if;
    else
      select t.id into v_task_id from public.tasks t
       where t.work_order_id = v_id and t.name = v_task ->> 'name' order by t.position, t.created_at limit 1;
    end if;
    if v_task_id is null then
      insert into public.tasks (id, work_order_id, position, name, duration_minutes, required_skill,
        required_bay_type, needs_parts, parts_ready_at, notes)
      values (coalesce((v_task ->> 'id')::uuid, gen_random_uuid()), v_id, v_position, v_task ->> 'name',
        (v_task ->> 'duration_minutes')::integer, v_task ->> 'required_skill', v_task ->> 'required_bay_type',
        coalesce((v_task ->> 'needs_parts')::boolean, false), (v_task ->> 'parts_ready_at')::timestamptz,
        v_task ->> 'notes')
      returning id into v_task_id;
      v_changed := true;
    else
      update public.tasks t set
        name = v_task ->> 'name',
        duration_minutes = (v_task ->> 'duration_minutes')::integer,
        required_skill = case when v_task ? 'required_skill' then v_task ->> 'required_skill' else t.required_skill end,
        required_bay_type = case when v_task ? 'required_bay_type' then v_task ->> 'required_bay_type' else t.required_bay_type end,
        needs_parts = case when v_task ? 'needs_parts' then coalesce((v_task ->> 'needs_parts')::boolean, false) else t.needs_parts end,
        parts_ready_at = case when v_task ? 'parts_ready_at' then (v_task ->> 'parts_ready_at')::timestamptz else t.parts_ready_at end,
        notes = case when v_task ? 'notes' then v_task ->> 'notes' else t.notes end
      where t.id = v_task_id
        and (t.name, t.duration_minutes, t.required_skill, t.required_bay_type, t.needs_parts,
             t.parts_ready_at, t.notes)
        is distinct from (v_task ->> 'name', (v_task ->> 'duration_minutes')::integer,
          case when v_task ? 'required_skill' then v_task ->> 'required_skill' else t.required_skill end,
          case when v_task ? 'required_bay_type' then v_task ->> 'required_bay_type' else t.required_bay_type end,
          case when v_task ? 'needs_parts' then coalesce((v_task ->> 'needs_parts')::boolean, false) else t.needs_parts end,
          case when v_task ? 'parts_ready_at' then (v_task ->> 'parts_ready_at')::timestamptz else t.parts_ready_at end,
          case when v_task ? 'notes' then v_task ->> 'notes' else t.notes end);
      v_changed := v_changed or found;
    end if;
    v_names := v_names || jsonb_build_object(v_task ->> 'name', v_task_id);
    v_position := v_position + 1;
  end loop;

  -- Dependencies, once every listed task exists.
  for v_task in select * from jsonb_array_elements(coalesce(doc -> 'tasks', '[]')) loop
    continue when not v_task ? 'depends_on';
    v_task_id := (v_names ->> (v_task ->> 'name'))::uuid;
    delete from public.task_dependencies d
     where d.task_id = v_task_id
       and d.depends_on_task_id not in (
         select (v_names ->> n)::uuid from jsonb_array_elements_text(coalesce(nullif(v_task -> 'depends_on', 'null'), '[]')) n);
    get diagnostics v_rows = row_count;
    v_changed := v_changed or v_rows > 0;
    for v_dep in select * from jsonb_array_elements_text(coalesce(nullif(v_task -> 'depends_on', 'null'), '[]')) loop
      insert into public.task_dependencies (task_id, depends_on_task_id)
      values (v_task_id, (v_names ->> v_dep)::uuid)
      on conflict do nothing;
      get diagnostics v_rows = row_count;
      v_changed := v_changed or v_rows > 0;
    end loop;
  end loop;

  return query select v_id, case when v_created then 'created' when v_changed then 'updated' else 'unchanged' end;
end
$$;

