-- Events the API publishes itself, in the request's transaction: a dispatcher's move of a
-- task (`task.moved`, POST /v1/schedule/moves and PATCH /v1/tasks). The API acts as
-- `authenticated`, which may only read events, so staff publish through this function:
-- it writes the event (NOTIFY fires at commit, so other boards hear of it through
-- GET /v1/events), a notification for each profile of `p_audience` (the technicians
-- whose day changed), and a webhook delivery per subscriber. It returns the event id with
-- each delivery's id (one row with a null delivery when nobody subscribes); the caller
-- enqueues each delivery's job (pipelines/webhooks.py).
create function bayflow.publish_staff_event(p_type text, p_work_order_id uuid, p_task_id uuid,
                                            p_audience uuid[], p_payload jsonb)
returns table (published_event_id bigint, delivery uuid)
language plpgsql security definer set search_path = '' as $$
declare
  v_id bigint;
begin
  -- security definer: current_user is the owner; the caller is whoever the claims name
  if bayflow.app_role() is distinct from 'admin' and bayflow.app_role() is distinct from 'dispatcher' then
    raise exception 'only dispatchers and admins publish events' using errcode = '42501';
  end if;
  if p_type is distinct from 'task.moved' then
    raise exception 'the API does not publish % events', p_type using errcode = '22023';
  end if;
  insert into public.events (type, work_order_id, task_id, audience, payload)
  values (p_type, p_work_order_id, p_task_id, coalesce(p_audience, '{}'), coalesce(p_payload, '{}'))
  returning id into v_id;
  insert into public.notifications (profile_id, event_id)
  select distinct p, v_id from unnest(coalesce(p_audience, '{}')) p on conflict do nothing;
  return query
    with delivery as (
      insert into public.webhook_deliveries (subscription_id, event_id, event_type, payload)
      select s.id, v_id::text, p_type,
             jsonb_build_object('work_order_id', p_work_order_id, 'task_id', p_task_id, 'schedule_run_id', null)
               || coalesce(p_payload, '{}')
        from public.webhook_subscriptions s
       where s.active and (p_type = any (s.event_types) or '*' = any (s.event_types))
      on conflict (subscription_id, event_id) do nothing
      returning id
    )
    select v_id, delivery.id from delivery;
  if not found then
    return query select v_id, null::uuid;
  end if;
end
$$;

revoke all on function bayflow.publish_staff_event(text, uuid, uuid, uuid[], jsonb) from public;
grant execute on function bayflow.publish_staff_event(text, uuid, uuid, uuid[], jsonb) to authenticated;
