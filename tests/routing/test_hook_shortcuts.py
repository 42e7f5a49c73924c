"""The routing hook skips its savepoint when nothing can happen (no team, no enabled rule
for a new conversation); rules and teams that appear later, here made by a second desk on
the same database, still take effect at the next message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dmdesk.actions.conversations import do_set_team
from dmdesk.actions.routing import do_create_routing_rule
from dmdesk.domain.clock import FrozenClock
from dmdesk.models import Conversation
from dmdesk.services import Services, build_services
from tests.conftest import Seeded, make_settings
from tests.ownership.kit import START, agent, conv, events, inbound, team


@pytest.fixture
def other(db_url: str) -> Iterator[Services]:
    """A second desk on the same database (as a second instance would be)."""
    services = build_services(make_settings(db_url), clock=FrozenClock(START))
    yield services
    services.stop()


def _rule(desk: Services, ws: Seeded, *, enabled: bool = True) -> None:
    desk.db.write(
        lambda s: do_create_routing_rule(
            s,
            workspace_id=ws.workspace_id,
            name="All",
            definition={"actions": {"team": "Support", "add_tags": ["routed"]}},
            at=desk.clock(),
            enabled=enabled,
        )
    )


def test_a_rule_made_elsewhere_routes_the_next_new_conversation(
    svc: Services, other: Services, ws: Seeded
) -> None:
    support = team(other, ws, "Support", [])
    first = inbound(svc, ws, "hello", sender="a")
    _rule(other, ws, enabled=False)
    second = inbound(svc, ws, "hello", sender="b")
    _rule(other, ws)
    inbound(svc, ws, "again", sender="a")  # not new: routing decides new conversations
    third = inbound(svc, ws, "hello", sender="c")
    assert [conv(svc, c).team_id for c in (first, second, third)] == [None, None, support]
    assert [e.conversation_id for e in events(svc, "routing.applied")] == [third]


def test_a_team_set_elsewhere_auto_assigns_at_the_next_message(
    svc: Services, other: Services, ws: Seeded
) -> None:
    ana = agent(other, ws, "ana")
    support = team(other, ws, "Support", [ana])
    conv_id = inbound(svc, ws, "hello")
    assert conv(svc, conv_id).assignee_id is None
    other.db.write(
        lambda s: do_set_team(
            s,
            conv=s.get_one(Conversation, conv_id),
            team_id=support,
            at=other.clock(),
            actor_id=None,
        )
    )
    inbound(svc, ws, "anyone there?")
    assert conv(svc, conv_id).assignee_id == ana
