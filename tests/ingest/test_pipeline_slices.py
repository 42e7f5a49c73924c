"""The pipeline writes claimed batches in time slices; batch hooks; poison events alone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dmdesk.ingest.pipeline import Pipeline, StoredMessage
from dmdesk.models import Contact, InboundQueueItem, Message
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, post_generic


def _post(client: Any, seeded: Seeded, body: bytes) -> None:
    post_generic(client, seeded, body)


def _count(services: Services, model: Any, *where: Any) -> int:
    with services.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _pipeline(services: Services, *, slice_seconds: float) -> Pipeline:
    pipeline = Pipeline(db=services.db, clock=services.clock, slice_seconds=slice_seconds)
    pipeline.message_hooks.extend(services.pipeline.message_hooks)
    pipeline.enrichers.extend(services.pipeline.enrichers)
    return pipeline


def test_a_batch_is_written_in_slices_and_each_event_once(
    client: Any, services: Services, seeded: Seeded
) -> None:
    for i in range(6):
        _post(client, seeded, generic_body(f"s{i}", sender=f"u{i % 2}"))
    pipeline = _pipeline(services, slice_seconds=0.0)  # one event per write
    seen: list[list[str]] = []
    pipeline.batch_hooks.append(
        lambda _s, stored: seen.append([m.event.message_id for m in stored])
    )
    writes = services.db.writer.writes
    assert pipeline.run_once() == 6
    assert services.db.writer.writes - writes >= 6
    assert seen == [[f"s{i}"] for i in range(6)]
    assert _count(services, Message) == 6
    assert _count(services, Contact) == 2
    assert _count(services, InboundQueueItem, InboundQueueItem.status == "done") == 6
    assert pipeline.costs.calls["ingest_message"] == 6


def test_batch_hooks_get_a_slice_of_new_messages_at_once(
    client: Any, services: Services, seeded: Seeded
) -> None:
    for i in range(4):
        _post(client, seeded, generic_body(f"b{i}", sender="u1"))
    pipeline = _pipeline(services, slice_seconds=60.0)
    seen: list[list[str]] = []
    pipeline.batch_hooks.append(
        lambda _s, stored: seen.append([m.event.message_id for m in stored])
    )
    assert pipeline.run_once() == 4
    assert seen == [["b0", "b1", "b2", "b3"]]


def test_a_poison_event_fails_alone_even_after_creating_a_contact(
    client: Any, services: Services, seeded: Seeded
) -> None:
    """The poison event's new contact is rolled back; the next event for it still lands."""
    _post(client, seeded, generic_body("p1", sender="new-person", text="poison"))
    _post(client, seeded, generic_body("p2", sender="new-person", text="fine"))
    _post(client, seeded, generic_body("p3", sender="u1", text="fine too"))
    pipeline = _pipeline(services, slice_seconds=60.0)

    def poison(_s: Any, stored: StoredMessage) -> None:
        if stored.event.text == "poison":
            raise ValueError("poison")

    pipeline.message_hooks.append(poison)
    assert pipeline.run_once() == 3
    with services.db.session() as s:
        texts = sorted(t or "" for t in s.scalars(select(Message.text)))
        failed = s.scalars(select(InboundQueueItem).where(InboundQueueItem.status == "pending"))
        assert [(i.dedupe_key, i.attempts) for i in failed] == [("message:p1", 1)]
    assert texts == ["fine", "fine too"]
    assert _count(services, Contact, Contact.external_id == "new-person") == 1
