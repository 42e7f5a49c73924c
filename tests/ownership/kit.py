"""Helpers for the ownership tests: a frozen-clock desk, agents, teams and inbound DMs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.assignment import do_update_team_settings
from dmdesk.actions.inbound_queue import do_enqueue_delivery
from dmdesk.actions.teams import do_add_team_member, do_create_team
from dmdesk.actions.users import do_create_user
from dmdesk.domain.clock import FrozenClock
from dmdesk.domain.inbound import ContactRef, InboundMessage
from dmdesk.models import Contact, Conversation, Event, Team
from dmdesk.services import Services, build_services
from tests.conftest import Seeded, make_settings, seed_workspace

START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday
_ids = itertools.count(1)


@pytest.fixture
def svc(db_url: str) -> Iterator[Services]:
    services = build_services(make_settings(db_url), clock=FrozenClock(START))
    yield services
    services.stop()


@pytest.fixture
def ws(svc: Services) -> Seeded:
    return seed_workspace(svc)


def clock(svc: Services) -> FrozenClock:
    assert isinstance(svc.clock, FrozenClock)
    return svc.clock


def agent(svc: Services, ws: Seeded, name: str, *, capacity: int = 20, **prefs: Any) -> int:
    def work(s: Session) -> int:
        user = do_create_user(
            s,
            workspace_id=ws.workspace_id,
            email=f"{name}@acme.test",
            password="password1",
            role="agent",
            name=name.title(),
            at=svc.clock(),
        )
        user.presence, user.presence_at, user.capacity = "online", svc.clock(), capacity
        user.preferences = dict(prefs)
        return user.id

    return svc.db.write(work)


def team(svc: Services, ws: Seeded, name: str, members: list[int], **settings: Any) -> int:
    def work(s: Session) -> int:
        t = do_create_team(s, workspace_id=ws.workspace_id, name=name, at=svc.clock())
        for user_id in members:
            do_add_team_member(
                s, workspace_id=ws.workspace_id, team_id=t.id, user_id=user_id, at=svc.clock()
            )
        if settings:
            do_update_team_settings(s, team=t, changes=settings, at=svc.clock(), actor_id=None)
        return t.id

    return svc.db.write(work)


def inbound(svc: Services, ws: Seeded, text: str, *, sender: str = "u1") -> int:
    """Deliver one DM through the queue and the pipeline; returns the conversation id."""
    event = InboundMessage(
        account_id="acme-web",
        occurred_at=svc.clock(),
        contact=ContactRef(external_id=sender, name=f"Person {sender}"),
        message_id=f"own{next(_ids)}",
        text=text,
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
        conv = s.scalars(
            select(Conversation)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.external_id == sender)
        ).first()
        assert conv is not None
        return conv.id


def events(svc: Services, type_: str) -> list[Event]:
    with svc.db.session() as s:
        return list(s.scalars(select(Event).where(Event.type == type_).order_by(Event.id)))


def conv(svc: Services, conv_id: int) -> Conversation:
    with svc.db.session() as s:
        return s.get_one(Conversation, conv_id)


def team_row(svc: Services, team_id: int) -> Team:
    with svc.db.session() as s:
        return s.get_one(Team, team_id)
