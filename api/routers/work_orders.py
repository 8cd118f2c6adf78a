"""`/v1/work_orders`: a work order is created with its task graph in one request.

Staff read `work_orders`; a technician reads `tech_work_orders` (migration 0400: the work
orders with a task of theirs, without customer contact) and sees only their own tasks.
"""
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from api.concurrency import IfMatch, etag, expected_version, set_etag
from api.deps import Connection, CurrentPrincipal, Principal, require_roles
from api.idempotency import Idempotent
from api.pagination import Page, Paging
from api.problems import ProblemError
from api.queries import load
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
from bayflow import queries
from tasks.starts import aenqueue_work_order_flow

router = APIRouter(prefix="/v1/work_orders", tags=["work orders"])
staff = Depends(require_roles("admin", "dispatcher"))

SQL = load("work_orders")


@dataclass(frozen=True)
class _View:
    """How a caller reads work orders: the query of one and of a page, the models of a row and a detail."""
    one: queries.Query
    page: queries.Query
    model: type[TechWorkOrder]
    detail: type[TechWorkOrderDetail]


_STAFF_VIEW = _View(SQL.work_order, SQL.list_work_orders, WorkOrder, WorkOrderDetail)
_TECH_VIEW = _View(SQL.tech_work_order, SQL.list_tech_work_orders, TechWorkOrder, TechWorkOrderDetail)


def _view(principal: Principal) -> _View:
    return _TECH_VIEW if principal.role == "tech" else _STAFF_VIEW


async def _detail(conn: AsyncConnection, principal: Principal, work_order_id: UUID):
    view = _view(principal)
    row = await fetch_one(conn, view.one, {"id": work_order_id}, "work order", work_order_id)
    return view.detail(**dict(row._mapping), tasks=await load_work_order_tasks(conn, work_order_id))


@router.get("", response_model=Page[WorkOrder | TechWorkOrder])
async def list_work_orders(
    conn: Connection, principal: CurrentPrincipal, page: Paging,
    status: Annotated[list[WorkOrderStatus] | None, Query(description="any of these statuses")] = None,
    due_from: Annotated[QueryTimestamp | None, Query(description="due_at at or after")] = None,
    due_to: Annotated[QueryTimestamp | None, Query(description="due_at before")] = None,
    assignee: Annotated[UUID | None, Query(description="has a task assigned to this technician")] = None,
):
    view = _view(principal)
    rows = (await conn.execute(view.page.text, {
        **page.keyset("number"), "status": status, "due_from": due_from, "due_to": due_to, "assignee": assignee,
    })).all()
    return page.page(rows, view.model, "number")


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
