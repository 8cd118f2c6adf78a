-- The actors of the work-order pipeline (tasks/pipeline_actors.py).

-- name: set_actor
-- Who the audit log names for this transaction's changes.
select set_config('bayflow.actor', :actor, true)
