"""The durable inbound queue: raw deliveries in, pipeline claims, done / failed / dead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from dmdesk.db.upsert import insert_ignore
from dmdesk.domain.inbound import InboundEvent, UnsupportedEvent
from dmdesk.models import InboundQueueItem, WebhookDelivery

MAX_ATTEMPTS = 5


@cache
def _insert_delivery() -> Insert:
    return insert(WebhookDelivery).returning(WebhookDelivery.id)


@dataclass(frozen=True)
class EnqueueResult:
    delivery_id: int
    accepted: int
    duplicates: int
    dead: int


def do_enqueue_delivery(
    session: Session,
    *,
    platform: str,
    body: bytes,
    at: datetime,
    items: list[tuple[int, InboundEvent]],
    delivery_channel_id: int | None,
) -> EnqueueResult:
    """Store the raw body and one queue row per (channel, event), duplicates skipped."""
    # Core INSERT: this runs once per acknowledged webhook, the hottest write there is.
    delivery_id = session.execute(
        _insert_delivery(),
        {"platform": platform, "channel_id": delivery_channel_id, "received_at": at, "body": body},
    ).scalar_one()
    accepted = duplicates = dead = 0
    for channel_id, event in items:
        status = "dead" if isinstance(event, UnsupportedEvent) else "pending"
        new_id = insert_ignore(
            session,
            InboundQueueItem,
            {
                "channel_id": channel_id,
                "delivery_id": delivery_id,
                "dedupe_key": event.dedupe_key[:300],
                "kind": event.kind,
                "payload": event.to_json(),
                "status": status,
                "attempts": 0,
                "received_at": at,
                "error": event.reason if isinstance(event, UnsupportedEvent) else None,
            },
            conflict=["channel_id", "dedupe_key"],
        )
        if new_id is None:
            duplicates += 1
        elif status == "dead":
            dead += 1
        else:
            accepted += 1
    return EnqueueResult(delivery_id, accepted, duplicates, dead)


def claim_pending(session: Session, *, limit: int) -> list[InboundQueueItem]:
    """Oldest pending items; on PostgreSQL rows locked by another instance are skipped."""
    query = (
        select(InboundQueueItem)
        .where(InboundQueueItem.status == "pending")
        .order_by(InboundQueueItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def mark_done(session: Session, *, item_ids: list[int], at: datetime) -> None:
    if item_ids:
        session.execute(
            update(InboundQueueItem)
            .where(InboundQueueItem.id.in_(item_ids))
            .values(status="done", processed_at=at, error=None)
        )


def mark_failed(session: Session, *, item_id: int, error: str, at: datetime) -> None:
    item = session.get_one(InboundQueueItem, item_id)
    item.attempts += 1
    item.error = error[:1000]
    item.status = "dead" if item.attempts >= MAX_ATTEMPTS else "pending"
    item.processed_at = at
