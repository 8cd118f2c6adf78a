-- Schedule runs: one row per CP-SAT solve of the shop (pipelines/schedule_run.py), with
-- one schedule_items row per task it considered. Written in one transaction with the
-- planned start/end/technician/bay it writes back onto public.tasks.
--
-- objective_breakdown: {term: {value, weight, weighted}} for tardiness, completion, stability.
-- diagnoses: [{task, kind, message}] problems found (task: a task id, or null for the whole run).
-- schedule_items.why: reasons a dispatcher can read, naming the binding constraint; an item
-- without a start is a task that was not scheduled and `why` says why.

create table public.schedule_runs (
  id uuid primary key default gen_random_uuid(),
  status text not null check (status in ('optimal', 'feasible', 'infeasible', 'timeout')),
  objective_value bigint,
  best_bound double precision,
  gap double precision check (gap >= 0),
  baseline_objective bigint,  -- the greedy earliest-due-date schedule, same objective
  objective_breakdown jsonb not null default '{}' check (jsonb_typeof(objective_breakdown) = 'object'),
  solve_seconds double precision not null check (solve_seconds >= 0),
  solver_parameters jsonb not null,
  input_hash text not null check (input_hash ~ '^[0-9a-f]{64}$'),
  triggered_by text not null check (length(btrim(triggered_by)) > 0),
  horizon_start timestamptz not null,
  horizon_end timestamptz not null,
  diagnoses jsonb not null default '[]' check (jsonb_typeof(diagnoses) = 'array'),
  lateness_minutes jsonb not null default '{}',  -- {work_order_id: minutes late}
  created_at timestamptz not null default now(),
  check (horizon_end > horizon_start),
  check ((objective_value is null) = (status in ('infeasible', 'timeout')))
);
create index schedule_runs_created_at_idx on public.schedule_runs (created_at desc);

create table public.schedule_items (
  run_id uuid not null references public.schedule_runs (id) on delete cascade,
  task_id uuid not null references public.tasks (id) on delete cascade,
  technician_id uuid references public.technicians (id) on delete set null,
  bay_id uuid references public.bays (id) on delete set null,
  starts_at timestamptz,
  ends_at timestamptz,
  why jsonb not null default '[]' check (jsonb_typeof(why) = 'array'),
  primary key (run_id, task_id),
  check ((starts_at is null) = (ends_at is null)),
  check (ends_at > starts_at)
);
create index schedule_items_task_idx on public.schedule_items (task_id);

-- Runs are records: staff read them, only the service role (workers) writes.
revoke all on public.schedule_runs, public.schedule_items from public, anon, authenticated, service_role;
grant select on public.schedule_runs, public.schedule_items to authenticated;
grant select, insert, delete on public.schedule_runs, public.schedule_items to service_role;
alter table public.schedule_runs enable row level security;
alter table public.schedule_items enable row level security;
create policy staff_read on public.schedule_runs for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
create policy staff_read on public.schedule_items for select to authenticated
  using ((select bayflow.app_role()) in ('admin', 'dispatcher'));
-- A technician sees the items of the tasks assigned to them.
create policy tech_read_own on public.schedule_items for select to authenticated
  using ((select bayflow.app_role()) = 'tech' and technician_id = (select bayflow.current_technician_id()));
