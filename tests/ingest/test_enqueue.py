"""Acknowledgements stored set-wise: one writer batch, two INSERTs, duplicates counted once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from dmdesk.actions.inbound_queue import ENQUEUE, Delivery, EnqueueResult
from dmdesk.domain.inbound import ContactRef, InboundMessage, UnsupportedEvent
from dmdesk.models import InboundQueueItem, WebhookDelivery
from dmdesk.services import Services
from tests.conftest import Seeded

AT = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def _msg(message_id: str) -> InboundMessage:
    return InboundMessage(
        account_id="acme-web",
        occurred_at=AT,
        contact=ContactRef(external_id="u1", name="Maria"),
        message_id=message_id,
        text="hello",
    )


def _delivery(channel_id: int, *events: InboundMessage | UnsupportedEvent) -> Delivery:
    body = ",".join(getattr(e, "message_id", "x") for e in events).encode()
    return Delivery("generic", body, AT, [(channel_id, e) for e in events], channel_id)


def _enqueue_in_one_batch(services: Services, deliveries: list[Delivery]) -> list[EnqueueResult]:
    db = services.db
    db.start()
    gate, running = threading.Event(), threading.Event()
    blocker = db.writer.submit(lambda s: running.set() or gate.wait(5))
    assert running.wait(10)
    futs = [db.writer.submit_grouped(ENQUEUE, d) for d in deliveries]
    batches = db.writer.batches
    gate.set()
    blocker.result(timeout=10)
    results = [f.result(timeout=10) for f in futs]
    assert db.writer.batches == batches + 2  # the blocker's batch, then all of them in one
    return results


def test_a_batch_of_deliveries_counts_each_key_once(services: Services, seeded: Seeded) -> None:
    cid = seeded.channel_id
    unsupported = UnsupportedEvent(
        account_id="acme-web", occurred_at=AT, event_kind="poll", raw={"poll": 1}
    )
    results = _enqueue_in_one_batch(
        services,
        [
            _delivery(cid, _msg("a"), _msg("b"), _msg("a")),
            _delivery(cid, _msg("b"), _msg("c")),
            _delivery(cid, unsupported),
        ],
    )
    assert [(r.accepted, r.duplicates, r.dead) for r in results] == [
        (2, 1, 0),
        (1, 1, 0),
        (0, 0, 1),
    ]
    assert len({r.delivery_id for r in results}) == 3
    with services.db.session() as s:
        rows = s.execute(
            select(
                InboundQueueItem.dedupe_key, InboundQueueItem.delivery_id, InboundQueueItem.status
            ).order_by(InboundQueueItem.id)
        ).all()
        bodies = s.scalar(select(func.count()).select_from(WebhookDelivery))
    first, second, third = (r.delivery_id for r in results)
    assert [tuple(r) for r in rows] == [
        ("message:a", first, "pending"),
        ("message:b", first, "pending"),
        ("message:c", second, "pending"),
        (unsupported.dedupe_key, third, "dead"),
    ]
    assert bodies == 3


def test_a_retried_delivery_is_a_duplicate_in_a_later_batch(
    services: Services, seeded: Seeded
) -> None:
    cid = seeded.channel_id
    (first,) = _enqueue_in_one_batch(services, [_delivery(cid, _msg("m1"))])
    again = _enqueue_in_one_batch(
        services, [_delivery(cid, _msg("m1")), _delivery(cid, _msg("m2"))]
    )
    assert (first.accepted, first.duplicates) == (1, 0)
    assert [(r.accepted, r.duplicates) for r in again] == [(0, 1), (1, 0)]
