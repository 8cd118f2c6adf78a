"""The names every layer shares about events: their types, the NOTIFY channel that announces
them, and who may see one.

An event is a row of `public.events` (written by pipelines.events.publish and the API's
moves); a trigger announces it on `CHANNEL` with the payload
`{id, type, work_order_id, task_id, schedule_run_id, audience}` (migration 0750). Staff see
every event; anyone else only events naming them in `audience`. Outbound webhook
subscriptions list some of `EVENT_TYPES`, or `ALL_EVENTS`.
"""

CHANNEL = "bayflow_events"

# Event types the pipelines and the API publish; a webhook subscription lists some of them, or "*".
EVENT_TYPES = ("work_order.planned", "work_order.needs_review", "work_order.at_risk", "schedule.published",
               "schedule.at_risk", "task.assigned", "task.moved", "technician.schedule_changed", "pipeline.failed")
ALL_EVENTS = "*"


def visible_to(payload: dict, profile_id: str, role: str) -> bool:
    """The rule of the `events` RLS policy, for events relayed live from NOTIFY payloads."""
    return role in ("admin", "dispatcher") or profile_id in (payload.get("audience") or [])
