-- The shop: people, technicians, bays, work orders, tasks and their dependencies,
-- calendar events. One database is one shop (a Supabase project per shop).
-- Every mutable row carries `version` (optimistic concurrency) and `updated_at`.

create schema if not exists bayflow;  -- internal helpers, not exposed through an API

create function bayflow.touch_row() returns trigger language plpgsql as $$
begin
  new.version := old.version + 1;
  new.updated_at := now();
  return new;
end
$$;

create table public.shop_settings (
  id boolean primary key default true check (id),
  name text not null default 'bayflow shop',
  timezone text not null default 'UTC',
  local_date_format text not null default 'DD/MM/YYYY'
    check (local_date_format in ('DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY')),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
insert into public.shop_settings default values;

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  role text not null check (role in ('admin', 'dispatcher', 'tech')),
  display_name text not null check (length(btrim(display_name)) > 0),
  email text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);

create table public.technicians (
  id uuid primary key default gen_random_uuid(),
  profile_id uuid unique references public.profiles (id) on delete set null,
  name text not null check (length(btrim(name)) > 0),
  skills text[] not null default '{}' check (array_position(skills, null) is null),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);

create table public.bays (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (length(btrim(name)) > 0),
  bay_type text not null check (bay_type ~ '^[a-z][a-z0-9_-]*$'),
  capabilities text[] not null default '{}',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);

create table public.work_orders (
  id uuid primary key default gen_random_uuid(),
  number bigint generated always as identity unique,
  source text not null default 'api' check (length(btrim(source)) > 0),
  external_id text,
  customer_name text,
  customer_phone text,
  customer_email text,
  asset_kind text not null default 'vehicle' check (asset_kind in ('vehicle', 'equipment')),
  asset_make text,
  asset_model text,
  asset_year integer check (asset_year between 1900 and 2100),
  vin text,
  plate text,
  mileage integer check (mileage >= 0),
  description text not null check (length(btrim(description)) > 0),
  priority integer not null default 3 check (priority between 1 and 5),  -- 5 is most urgent
  due_at timestamptz,
  status text not null default 'new' check (status in
    ('new', 'planning', 'needs_review', 'planned', 'scheduled', 'in_progress', 'done', 'cancelled')),
  category text,
  urgency text check (urgency in ('low', 'normal', 'high', 'critical')),
  review_reasons jsonb,
  created_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  unique (source, external_id)
);
create index work_orders_status_idx on public.work_orders (status);
create index work_orders_due_at_idx on public.work_orders (due_at);

create table public.tasks (
  id uuid primary key default gen_random_uuid(),
  work_order_id uuid not null references public.work_orders (id) on delete cascade,
  position integer not null default 0,
  name text not null check (length(btrim(name)) > 0),
  duration_minutes integer not null check (duration_minutes between 1 and 10080),
  required_skill text,
  required_bay_type text,
  -- Parts gate: needs_parts with no parts_ready_at means waiting on parts with no ETA.
  needs_parts boolean not null default false,
  parts_ready_at timestamptz,
  status text not null default 'pending' check (status in
    ('pending', 'scheduled', 'in_progress', 'done', 'cancelled')),
  assigned_technician_id uuid references public.technicians (id) on delete set null,
  bay_id uuid references public.bays (id) on delete set null,
  planned_start timestamptz,
  planned_end timestamptz,
  lock_start boolean not null default false,
  lock_technician boolean not null default false,
  lock_bay boolean not null default false,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (parts_ready_at is null or needs_parts),
  check ((planned_start is null) = (planned_end is null)),
  check (planned_end > planned_start),
  check (not lock_start or planned_start is not null),
  check (not lock_technician or assigned_technician_id is not null),
  check (not lock_bay or bay_id is not null)
);
create index tasks_work_order_idx on public.tasks (work_order_id);
create index tasks_technician_idx on public.tasks (assigned_technician_id);
create index tasks_status_idx on public.tasks (status);
create index tasks_planned_start_idx on public.tasks (planned_start);

create table public.task_dependencies (
  task_id uuid not null references public.tasks (id) on delete cascade,
  depends_on_task_id uuid not null references public.tasks (id) on delete cascade,
  primary key (task_id, depends_on_task_id),
  check (task_id <> depends_on_task_id)
);
create index task_dependencies_depends_on_idx on public.task_dependencies (depends_on_task_id);

-- A dependency joins two tasks of one work order and never closes a cycle.
create function bayflow.check_task_dependency() returns trigger language plpgsql as $$
begin
  if (select count(distinct work_order_id) from public.tasks
      where id in (new.task_id, new.depends_on_task_id)) <> 1 then
    raise exception 'task % cannot depend on task % of another work order', new.task_id, new.depends_on_task_id
      using errcode = 'check_violation', constraint = 'task_dependencies_same_work_order';
  end if;
  if exists (
    with recursive upstream(id) as (
      select depends_on_task_id from public.task_dependencies where task_id = new.depends_on_task_id
      union
      select d.depends_on_task_id from public.task_dependencies d join upstream u on d.task_id = u.id
    )
    select 1 from upstream where id = new.task_id
  ) then
    raise exception 'dependency of task % on task % would close a cycle', new.task_id, new.depends_on_task_id
      using errcode = 'check_violation', constraint = 'task_dependencies_acyclic';
  end if;
  return new;
end
$$;
create trigger task_dependencies_check before insert or update on public.task_dependencies
  for each row execute function bayflow.check_task_dependency();

-- Shifts and time off belong to a technician, downtime to a bay. A recurring event
-- repeats its [starts_at, ends_at) in the shop's timezone until recurrence_until.
create table public.calendar_events (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('shift', 'time_off', 'bay_downtime')),
  technician_id uuid references public.technicians (id) on delete cascade,
  bay_id uuid references public.bays (id) on delete cascade,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  recurrence text not null default 'none' check (recurrence in ('none', 'daily', 'weekdays', 'weekly')),
  recurrence_until date,
  note text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (ends_at > starts_at),
  check (ends_at - starts_at <= interval '14 days'),
  check (recurrence = 'none' or recurrence_until is not null),
  check (case kind
    when 'bay_downtime' then bay_id is not null and technician_id is null
    else technician_id is not null and bay_id is null end)
);
create index calendar_events_technician_idx on public.calendar_events (technician_id, starts_at);
create index calendar_events_bay_idx on public.calendar_events (bay_id, starts_at);

create trigger touch before update on public.shop_settings for each row execute function bayflow.touch_row();
create trigger touch before update on public.profiles for each row execute function bayflow.touch_row();
create trigger touch before update on public.technicians for each row execute function bayflow.touch_row();
create trigger touch before update on public.bays for each row execute function bayflow.touch_row();
create trigger touch before update on public.work_orders for each row execute function bayflow.touch_row();
create trigger touch before update on public.tasks for each row execute function bayflow.touch_row();
create trigger touch before update on public.calendar_events for each row execute function bayflow.touch_row();
