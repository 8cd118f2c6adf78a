"""Every router of the API; `api.app.create_app` includes each of them."""
from api.routers import (
    audit,
    bays,
    calendar_events,
    events,
    exports,
    imports,
    me,
    notifications,
    ops,
    pipelines,
    tasks,
    technicians,
    webhooks,
    work_orders,
)

ROUTERS = [
    me.router,
    work_orders.router,
    tasks.router,
    technicians.router,
    bays.router,
    calendar_events.router,
    audit.router,
    ops.router,
    pipelines.router,
    notifications.router,
    events.router,
    imports.router,
    exports.router,
    webhooks.router,
]
