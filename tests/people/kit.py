"""Helpers for the people and privacy tests: DMs in through the real receiver and pipeline."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from dmdesk.models import Contact, Conversation, User
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, signed


def dm(
    services: Services,
    seeded: Seeded,
    msg_id: str,
    *,
    sender: str = "u1",
    name: str = "Maria Lopez",
    text: str = "Where is my order?",
    sent_at: datetime | None = None,
    **extra: Any,
) -> int:
    """Post one signed generic webhook, run the pipeline; the conversation id."""
    body = generic_body(msg_id, sender=sender, name=name, text=text, sent_at=sent_at, **extra)
    outcome = asyncio.run(
        services.receiver.receive(
            platform="generic",
            channel_id=seeded.channel_id,
            body=body,
            headers=signed(body, seeded.channel_secret),
        )
    )
    assert outcome.status < 300, outcome.detail
    services.pipeline.run_once()
    with services.db.session() as s:
        contact = s.scalars(
            select(Contact).where(
                Contact.channel_id == seeded.channel_id, Contact.external_id == sender
            )
        ).one()
        return s.scalars(select(Conversation.id).where(Conversation.contact_id == contact.id)).one()


def contact_of(services: Services, conversation_id: int) -> Contact:
    with services.db.session() as s:
        conv = s.get_one(Conversation, conversation_id)
        return s.get_one(Contact, conv.contact_id)


def user(services: Services, user_id: int) -> User:
    with services.db.session() as s:
        return s.get_one(User, user_id)


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
