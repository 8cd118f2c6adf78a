"""`/v1/webhooks`: outbound subscriptions (admins), their deliveries with every attempt,
and re-sending (staff). Secrets are write-only: accepted on create or rotation, never returned."""
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from api.deps import Connection, Principal, require_roles
from api.problems import ProblemError
from api.queries import load
from api.rows import patch_params
from api.schemas.webhooks import (
    Attempt,
    Delivery,
    DeliveryDetail,
    DeliveryStatus,
    Subscription,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from tasks.enqueue import enqueue_async
from tasks.integration_starts import delivery_message

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
SQL = load("webhook_subscriptions")
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Staff = Annotated[Principal, Depends(require_roles("admin", "dispatcher"))]


async def _subscription(conn, subscription_id: UUID) -> Subscription:
    row = (await conn.execute(SQL.subscription.text, {"id": subscription_id})).mappings().first()
    if row is None:
        raise ProblemError(404, "Not found", f"no webhook subscription {subscription_id}")
    return Subscription(**row)


@router.get("/subscriptions", response_model=list[Subscription], summary="Outbound subscriptions (admins)")
async def list_subscriptions(conn: Connection, principal: Admin):
    rows = (await conn.execute(SQL.subscriptions.text)).mappings()
    return [Subscription(**r) for r in rows]


@router.post("/subscriptions", status_code=201, response_model=Subscription, summary="Subscribe a URL to events")
async def create_subscription(body: SubscriptionCreate, conn: Connection, principal: Admin, response: Response):
    subscription_id = (await conn.execute(
        SQL.insert_subscription.text,
        {"url": str(body.url), "types": body.event_types, "d": body.description, "a": body.active})).scalar_one()
    await conn.execute(SQL.insert_secret.text, {"id": subscription_id, "s": body.secret.get_secret_value()})
    response.headers["Location"] = f"/v1/webhooks/subscriptions/{subscription_id}"
    return await _subscription(conn, subscription_id)


@router.get("/subscriptions/{subscription_id}", response_model=Subscription)
async def get_subscription(subscription_id: UUID, conn: Connection, principal: Admin):
    return await _subscription(conn, subscription_id)


@router.patch("/subscriptions/{subscription_id}", response_model=Subscription)
async def update_subscription(subscription_id: UUID, body: SubscriptionUpdate, conn: Connection, principal: Admin):
    await _subscription(conn, subscription_id)
    changes = body.model_dump(exclude_unset=True, exclude={"secret"})
    if "url" in changes:
        changes["url"] = str(body.url)
    if changes:
        await conn.execute(SQL.update_subscription.text,
                           {**patch_params(changes, ("url", "event_types", "description", "active")),
                            "id": subscription_id})
    if body.secret is not None:
        await conn.execute(SQL.update_secret.text, {"s": body.secret.get_secret_value(), "id": subscription_id})
    return await _subscription(conn, subscription_id)


@router.delete("/subscriptions/{subscription_id}", status_code=204)
async def delete_subscription(subscription_id: UUID, conn: Connection, principal: Admin):
    deleted = (await conn.execute(SQL.delete_subscription.text, {"id": subscription_id})).first()
    if deleted is None:
        raise ProblemError(404, "Not found", f"no webhook subscription {subscription_id}")


@router.get("/deliveries", response_model=list[Delivery], summary="Recent deliveries, newest first (staff)")
async def list_deliveries(
    conn: Connection, principal: Staff,
    subscription_id: UUID | None = None,
    status: Annotated[list[DeliveryStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    rows = (await conn.execute(
        SQL.deliveries.text,
        {"sub": subscription_id, "status": status, "limit": limit})).mappings()
    return [Delivery(**r) for r in rows]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail, summary="A delivery and every attempt")
async def get_delivery(delivery_id: UUID, conn: Connection, principal: Staff):
    row = (await conn.execute(SQL.delivery.text, {"id": delivery_id})).mappings().first()
    if row is None:
        raise ProblemError(404, "Not found", f"no webhook delivery {delivery_id}")
    attempts = (await conn.execute(SQL.attempts.text, {"id": delivery_id})).mappings()
    return DeliveryDetail(**row, attempt_log=[Attempt(**a) for a in attempts])


@router.post("/deliveries/{delivery_id}/resend", status_code=202, response_model=Delivery,
             summary="Send a delivery again (with a fresh set of attempts)",
             description="A dead or succeeded delivery starts one new chain of up to BAYFLOW_WEBHOOK_MAX_ATTEMPTS "
                         "attempts. A delivery that is pending or retrying already has its job queued or in flight: "
                         "it is returned as it is and nothing new starts.")
async def resend_delivery(delivery_id: UUID, conn: Connection, principal: Staff):
    row = (await conn.execute(SQL.resend.text, {"id": delivery_id})).mappings().first()
    if row is not None:
        await enqueue_async(conn, delivery_message(str(delivery_id)))
        return Delivery(**row)
    row = (await conn.execute(SQL.delivery.text, {"id": delivery_id})).mappings().first()
    if row is None:
        raise ProblemError(404, "Not found", f"no webhook delivery {delivery_id}")
    return Delivery(**row)
