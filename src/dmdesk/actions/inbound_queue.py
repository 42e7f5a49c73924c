"""The durable inbound queue: raw deliveries in, pipeline claims, done / failed / dead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from dmdesk.db.writer import WriteGroup
from dmdesk.domain.inbound import InboundEvent, UnsupportedEvent
from dmdesk.models import InboundQueueItem, WebhookDelivery

MAX_ATTEMPTS = 5


@cache
def _insert_deliveries() -> Insert:
    table: Any = WebhookDelivery.__table__
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


@cache
def _insert_items(dialect: str) -> Insert:
    table = InboundQueueItem.__table__
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt: Insert = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=["channel_id", "dedupe_key"])
        .returning(table.c.channel_id, table.c.dedupe_key)
    )
    return stmt


@dataclass(frozen=True)
class EnqueueResult:
    delivery_id: int
    accepted: int
    duplicates: int
    dead: int


@dataclass(frozen=True)
class Delivery:
    """One verified webhook request: its raw body and the (channel, event) pairs parsed."""

    platform: str
    body: bytes
    at: datetime
    items: list[tuple[int, InboundEvent]]
    delivery_channel_id: int | None


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
    delivery = Delivery(platform, body, at, items, delivery_channel_id)
    return do_enqueue_deliveries(session, [delivery])[0]


def do_enqueue_deliveries(session: Session, deliveries: list[Delivery]) -> list[EnqueueResult]:
    """Set-wise `do_enqueue_delivery`: two multi-row INSERTs for a whole writer batch.

    Core statements, no ORM: this is the hottest write there is (once per acknowledged
    webhook). A (channel, dedupe key) seen twice counts once, for the first delivery.
    """
    conn = session.connection()
    delivery_ids = list(
        conn.execute(
            _insert_deliveries(),
            [
                {
                    "platform": d.platform,
                    "channel_id": d.delivery_channel_id,
                    "received_at": d.at,
                    "body": d.body,
                }
                for d in deliveries
            ],
        ).scalars()
    )
    rows = [
        _queue_row(channel_id, event, delivery_id, d.at)
        for d, delivery_id in zip(deliveries, delivery_ids, strict=True)
        for channel_id, event in d.items
    ]
    inserted: set[tuple[int, str]] = set()
    if rows:
        stmt = _insert_items(conn.dialect.name)
        inserted = {(r[0], r[1]) for r in conn.execute(stmt, rows)}
    return [_count(d, did, inserted) for d, did in zip(deliveries, delivery_ids, strict=True)]


def _queue_row(
    channel_id: int, event: InboundEvent, delivery_id: int, at: datetime
) -> dict[str, Any]:
    unsupported = isinstance(event, UnsupportedEvent)
    return {
        "channel_id": channel_id,
        "delivery_id": delivery_id,
        "dedupe_key": event.dedupe_key[:300],
        "kind": event.kind,
        "payload": event.to_json(),
        "status": "dead" if unsupported else "pending",
        "attempts": 0,
        "received_at": at,
        "processed_at": None,
        "error": event.reason if isinstance(event, UnsupportedEvent) else None,
    }


def _count(d: Delivery, delivery_id: int, inserted: set[tuple[int, str]]) -> EnqueueResult:
    """Credit each inserted key to its first occurrence; `inserted` is consumed."""
    accepted = duplicates = dead = 0
    for channel_id, event in d.items:
        key = (channel_id, event.dedupe_key[:300])
        if key not in inserted:
            duplicates += 1
            continue
        inserted.discard(key)
        if isinstance(event, UnsupportedEvent):
            dead += 1
        else:
            accepted += 1
    return EnqueueResult(delivery_id, accepted, duplicates, dead)


ENQUEUE: WriteGroup[Delivery, EnqueueResult] = WriteGroup(
    "enqueue", many=do_enqueue_deliveries, one=lambda s, d: do_enqueue_deliveries(s, [d])[0]
)


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
