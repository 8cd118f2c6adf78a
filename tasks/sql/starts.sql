-- Pipeline runs started or restarted in the caller's transaction (tasks/starts.py).

-- name: start_pipeline_run
select bayflow.start_pipeline_run(:kind, :work_order_id, :triggered_by, :first_step)::text

-- name: restart_pipeline_run
-- No row when the run is not failed.
select step, schedule_run_id::text from bayflow.restart_pipeline_run(:run_id)
