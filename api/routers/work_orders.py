"""`/v1/work_orders`: a work order is created with its task graph in one request.

Staff read `work_orders`; a technician reads `tech_work_orders` (migration 0400: the work
orders with a task of theirs, without customer contact) and sees only their own tasks.
"""
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.concurrency import IfMatch, etag, expected_version, set_etag
from api.deps import Connection, CurrentPrincipal, Principal, require_roles
from api.idempotency import Idempotent
from api.pagination import Page, Paging
from api.problems import ProblemError
from api.routers.tasks import add_dependencies, load_work_order_tasks
from api.rows import delete_versioned, fetch_one, insert_row, update_versioned
from api.schemas.common import QueryTimestamp
from api.schemas.work_orders import (
    TechWorkOrder,
    TechWorkOrderDetail,
    WorkOrder,
    WorkOrderCreate,
    WorkOrderCreated,
    WorkOrderDetail,
    WorkOrderStatus,
    WorkOrderUpdate,
)
from tasks.starts import aenqueue_work_order_flow

router = APIRouter(prefix="/v1/work_orders", tags=["work orders"])
staff = Depends(require_roles("admin", "dispatcher"))

TECH_COLUMNS = """id, number, asset_kind, asset_make, asset_model, asset_year, vin, plate, mileage,
  description, priority, urgency, category, due_at, status, updated_at, version"""
COLUMNS = f"""{TECH_COLUMNS}, source, external_id, customer_name, customer_phone, customer_email,
  review_reasons, plan_source, enrichment, created_by, created_at"""


def _view(principal: Principal) -> tuple[str, str, type[TechWorkOrder]]:
    """(relation, columns, model) the caller reads work orders through."""
    if principal.role == "tech":
        return "public.tech_work_orders", TECH_COLUMNS, TechWorkOrder
    return "public.work_orders", COLUMNS, WorkOrder


async def _detail(conn: AsyncConnection, principal: Principal, work_order_id: UUID):
    relation, columns, model = _view(principal)
    row = await fetch_one(conn, f"select {columns} from {relation} where id = :id", {"id": work_order_id},
                          "work order", work_order_id)
    detail = TechWorkOrderDetail if model is TechWorkOrder else WorkOrderDetail
    return detail(**dict(row._mapping), tasks=await load_work_order_tasks(conn, work_order_id))


@router.get("", response_model=Page[WorkOrder | TechWorkOrder])
async def list_work_orders(
    conn: Connection, principal: CurrentPrincipal, page: Paging,
    status: Annotated[list[WorkOrderStatus] | None, Query(description="any of these statuses")] = None,
    due_from: Annotated[QueryTimestamp | None, Query(description="due_at at or after")] = None,
    due_to: Annotated[QueryTimestamp | None, Query(description="due_at before")] = None,
    assignee: Annotated[UUID | None, Query(description="has a task assigned to this technician")] = None,
):
    relation, columns, model = _view(principal)
    after, params = page.after("number", alias="w")
    sql = f"""select {columns}
from {relation} w
where {after}
  and (cast(:status as text[]) is null or w.status = any(cast(:status as text[])))
  and (cast(:due_from as timestamptz) is null or w.due_at >= :due_from)
  and (cast(:due_to as timestamptz) is null or w.due_at < :due_to)
  and (cast(:assignee as uuid) is null or exists (
    select from public.tasks t where t.work_order_id = w.id and t.assigned_technician_id = :assignee))
order by w.number
limit :limit"""
    rows = (await conn.execute(text(sql), {
        **params, "status": status, "due_from": due_from, "due_to": due_to, "assignee": assignee,
        "limit": page.limit + 1,
    })).all()
    return page.page(rows, model, "number")


@router.get("/{work_order_id}", response_model=WorkOrderDetail | TechWorkOrderDetail)
async def get_work_order(work_order_id: UUID, conn: Connection, principal: CurrentPrincipal, response: Response):
    detail = await _detail(conn, principal, work_order_id)
    set_etag(response, detail.version)
    return detail


@router.post("", status_code=201, response_model=WorkOrderCreated, dependencies=[staff])
async def create_work_order(body: WorkOrderCreate, conn: Connection, principal: CurrentPrincipal,
                            idem: Idempotent):
    """Create a work order with its tasks; `depends_on` names other tasks of the request by `key`."""
    if idem.replay:
        return idem.replay
    if errors := body.graph_errors():
        raise ProblemError(422, "Invalid task graph", "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                           errors)
    values = body.model_dump(exclude={"tasks"})
    if "priority" not in body.model_fields_set:
        values["priority"] = None  # the default, set by nobody: enrichment may suggest one
    order = await insert_row(conn, "public.work_orders", "id", {**values, "created_by": principal.profile_id})
    task_ids: dict[str, UUID] = {}
    for position, task in enumerate(body.tasks):
        values = task.model_dump(exclude={"key", "depends_on"})
        values.update(work_order_id=order.id, position=task.position if task.position is not None else position)
        task_ids[task.key] = (await insert_row(conn, "public.tasks", "id", values)).id
    await add_dependencies(conn, [{"task_id": task_ids[t.key], "depends_on_task_id": task_ids[d]}
                                  for t in body.tasks for d in t.depends_on])
    await aenqueue_work_order_flow(conn, order.id, triggered_by=f"api:{principal.profile_id}")
    detail = await _detail(conn, principal, order.id)
    created = WorkOrderCreated(**detail.model_dump(), task_ids=task_ids)
    return await idem.respond(201, created, {"ETag": etag(created.version),
                                             "Location": f"/v1/work_orders/{created.id}"})


@router.patch("/{work_order_id}", response_model=WorkOrderDetail, dependencies=[staff])
async def update_work_order(work_order_id: UUID, body: WorkOrderUpdate, conn: Connection,
                            principal: CurrentPrincipal, response: Response, if_match: IfMatch = None):
    version = expected_version(if_match, body.version)
    await update_versioned(conn, "public.work_orders", "id", work_order_id, body.changes(), version, "work order")
    detail = await _detail(conn, principal, work_order_id)
    set_etag(response, detail.version)
    return detail


@router.delete("/{work_order_id}", status_code=204, dependencies=[staff])
async def delete_work_order(work_order_id: UUID, conn: Connection, if_match: IfMatch = None):
    """Delete a work order with its tasks."""
    version = expected_version(if_match, None) if if_match else None
    await delete_versioned(conn, "public.work_orders", work_order_id, version, "work order")
