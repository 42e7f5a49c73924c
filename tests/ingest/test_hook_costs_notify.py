"""Reply notifications: a customer message on an unassigned conversation takes no write;
one on an assigned, older conversation still notifies its assignee."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dmdesk.bus import EventBus
from dmdesk.db.events import PublishedEvent
from dmdesk.models import Conversation
from dmdesk.models.ownership import Notification
from dmdesk.routing.notify import subscribe_notifications
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, post_generic


def _conversation(client: Any, services: Services, seeded: Seeded) -> Conversation:
    body = generic_body("n1", sender="nina", text="hello")
    post_generic(client, seeded, body)
    services.pipeline.run_once()
    with services.db.session() as s:
        conv = s.scalars(select(Conversation)).one()
        s.expunge(conv)
        return conv


def _handler(services: Services) -> Any:
    bus = EventBus()
    subscribe_notifications(bus, services.db, services.clock)
    return bus._matching("message.created")[0]


def _event(conv: Conversation) -> PublishedEvent:
    return PublishedEvent(
        id=1,
        workspace_id=conv.workspace_id,
        type="message.created",
        conversation_id=conv.id,
        actor_kind="contact",
        actor_id=None,
        occurred_at=conv.created_at + timedelta(minutes=5),
        data={"direction": "inbound", "message_id": 1},
    )


def _replies(services: Services) -> list[int]:
    with services.db.session() as s:
        query = select(Notification.user_id).where(Notification.kind == "reply")
        return list(s.scalars(query))


def test_no_write_for_an_unassigned_conversation(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _conversation(client, services, seeded)
    assert conv.assignee_id is None
    writes = services.db.writer.writes
    _handler(services)(_event(conv))
    assert services.db.writer.writes == writes
    assert _replies(services) == []


def test_an_assigned_conversation_still_notifies(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _conversation(client, services, seeded)

    def assign(s: Any) -> None:
        s.get_one(Conversation, conv.id).assignee_id = seeded.agent_id

    services.db.write(assign)
    _handler(services)(_event(conv))
    assert _replies(services) == [seeded.agent_id]
