-- What the API reads in several places, written once: a pipeline run with its steps in pipeline
-- order, and a task with the ids it depends on. security_invoker: the caller's policies apply to
-- the tables underneath, as if the caller had read them.

create view public.pipeline_runs_with_steps with (security_invoker = true) as
  select r.id, r.kind, r.work_order_id, r.triggered_by, r.status, r.step, r.error, r.schedule_run_id,
         r.created_at, r.started_at, r.finished_at, r.updated_at,
         coalesce((select jsonb_agg(to_jsonb(s) - 'run_id' order by array_position(
                     array['enrich', 'plan', 'schedule', 'notify'], s.step))
                     from public.pipeline_steps s where s.run_id = r.id),
                  '[]'::jsonb) as steps
    from public.pipeline_runs r;

create view public.tasks_with_dependencies with (security_invoker = true) as
  select t.id, t.work_order_id, t.position, t.name, t.duration_minutes, t.required_skill, t.required_bay_type,
         t.needs_parts, t.parts_ready_at, t.status, t.assigned_technician_id, t.bay_id, t.planned_start,
         t.planned_end, t.unplaced_reason, t.lock_start, t.lock_technician, t.lock_bay, t.notes, t.instructions,
         t.actual_start, t.actual_end, t.blocked_reason, t.created_at, t.updated_at, t.version,
         -- the dependencies the caller may see
         array(select d.depends_on_task_id from public.task_dependencies d
                where d.task_id = t.id order by d.depends_on_task_id) as depends_on
    from public.tasks t;

grant select on public.pipeline_runs_with_steps, public.tasks_with_dependencies to authenticated, service_role;
