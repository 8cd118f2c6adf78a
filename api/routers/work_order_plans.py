"""`PUT /v1/work_orders/{id}/plan`: the dispatcher's edited and approved task plan (staff).

For a work order whose plan needs review (or that is not scheduled yet): its tasks are
replaced by the plan's in one transaction, it becomes `planned` by the dispatcher, and its
pipeline goes on to schedule it. Work already started or done is never thrown away: such a
work order is refused.
"""
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from api.concurrency import set_etag
from api.deps import Connection, CurrentPrincipal, require_roles
from api.problems import ProblemError
from api.queries import load
from api.routers.tasks import add_dependencies, load_work_order_tasks
from api.rows import fetch_one, insert_row
from api.schemas.work_orders import WorkOrderDetail, WorkOrderPlan
from tasks.starts import aenqueue_work_order_schedule

SQL = load("work_order_plans")

router = APIRouter(prefix="/v1/work_orders", tags=["work orders"],
                   dependencies=[Depends(require_roles("admin", "dispatcher"))])

CLOSED = ("done", "cancelled")


@router.put("/{work_order_id}/plan", response_model=WorkOrderDetail)
async def approve_plan(work_order_id: UUID, body: WorkOrderPlan, conn: Connection, principal: CurrentPrincipal,
                       response: Response):
    """Replace the work order's tasks with `tasks` (dependencies by `key`), mark it planned by the
    dispatcher and schedule it. 409 when it is done or cancelled or any task has started."""
    if errors := body.plan_errors():
        raise ProblemError(422, "Invalid task plan", "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                           errors)
    order = await fetch_one(conn, SQL.lock_work_order, {"id": work_order_id}, "work order", work_order_id)
    if order.status in CLOSED:
        raise ProblemError(409, "Plan not replaceable", f"work order {order.number} is {order.status}",
                           [{"field": "work_order_id", "message": f"the work order is {order.status}"}])
    started = (await conn.execute(SQL.started.text, {"id": work_order_id})).all()
    if started:
        why = " and ".join(f"{r.n} task(s) {r.status.replace('_', ' ')}" for r in started)
        raise ProblemError(409, "Plan not replaceable",
                           f"work order {order.number} has {why}; its plan can no longer be replaced",
                           [{"field": "tasks", "message": f"{why}: work already started is kept"}])
    await conn.execute(SQL.delete_tasks.text, {"id": work_order_id})
    ids: dict[str, UUID] = {}
    for position, task in enumerate(body.tasks):
        values = task.model_dump(exclude={"key", "depends_on"})
        ids[task.key] = (await insert_row(conn, "public.tasks", "id",
                                          {**values, "work_order_id": work_order_id, "position": position})).id
    await add_dependencies(conn, [{"task_id": ids[t.key], "depends_on_task_id": ids[d]}
                                  for t in body.tasks for d in t.depends_on])
    await conn.execute(SQL.approve.text, {"id": work_order_id})
    await aenqueue_work_order_schedule(conn, work_order_id, triggered_by=f"plan approved by {principal.profile_id}")
    row = (await conn.execute(SQL.detail.text, {"id": work_order_id})).one()
    detail = WorkOrderDetail(**dict(row._mapping), tasks=await load_work_order_tasks(conn, work_order_id))
    set_etag(response, detail.version)
    return detail
