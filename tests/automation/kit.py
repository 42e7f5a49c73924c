"""Shared helpers for the replies and automation tests: a frozen-clock desk and inbound DMs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from dmdesk.actions.inbound_queue import do_enqueue_delivery
from dmdesk.domain.clock import FrozenClock
from dmdesk.domain.inbound import ContactRef, InboundMessage
from dmdesk.models import Conversation, Message, User
from dmdesk.services import Services, build_services
from tests.conftest import Seeded, make_settings, seed_workspace

START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def frozen_desk(db_url: str) -> Services:
    """Services with a frozen clock and no background threads: the bus runs inline."""
    return build_services(make_settings(db_url), clock=FrozenClock(START))


@pytest.fixture
def svc(db_url: str) -> Iterator[Services]:
    services = frozen_desk(db_url)
    yield services
    services.stop()


@pytest.fixture
def ws(svc: Services) -> Seeded:
    return seed_workspace(svc)


def clock(svc: Services) -> FrozenClock:
    assert isinstance(svc.clock, FrozenClock)
    return svc.clock


def inbound(
    svc: Services,
    ws: Seeded,
    text: str | None,
    *,
    sender: str = "u1",
    name: str = "Maria Lopez",
    payload: str | None = None,
) -> int:
    """Deliver one DM through the queue and the pipeline; returns the conversation id."""
    event = InboundMessage(
        account_id="acme-web",
        occurred_at=svc.clock(),
        contact=ContactRef(external_id=sender, name=name),
        message_id=f"m{next(_ids)}",
        text=text,
        quick_reply_payload=payload,
    )
    svc.db.write(
        lambda s: do_enqueue_delivery(
            s,
            platform="generic",
            body=b"{}",
            at=svc.clock(),
            items=[(ws.channel_id, event)],
            delivery_channel_id=ws.channel_id,
        )
    )
    assert svc.pipeline.run_once() == 1
    with svc.db.session() as s:
        conv = s.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
        assert conv is not None
        return conv.id


def outbound_texts(svc: Services, conv_id: int) -> list[str]:
    with svc.db.session() as s:
        rows = s.scalars(
            select(Message)
            .where(Message.conversation_id == conv_id, Message.direction == "outbound")
            .order_by(Message.id)
        )
        return [m.text or "" for m in rows]


def outbound_rows(svc: Services, conv_id: int) -> list[Message]:
    with svc.db.session() as s:
        return list(
            s.scalars(
                select(Message)
                .where(Message.conversation_id == conv_id, Message.direction == "outbound")
                .order_by(Message.id)
            )
        )


def user(svc: Services, user_id: int) -> User:
    with svc.db.session() as s:
        return s.get_one(User, user_id)


def write(svc: Services, fn: Any) -> Any:
    return svc.db.write(fn)
