"""Routing rules (first match, logged) and automatic assignment (strategy, capacity,
presence), claim and hand-off, reassignment away from absent agents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from dmdesk.actions.assignment import do_claim_conversation, do_hand_off, do_update_team_settings
from dmdesk.actions.routing import do_create_routing_rule, dry_run
from dmdesk.actions.users import do_set_presence
from dmdesk.domain.errors import Conflict
from dmdesk.models import Conversation, Team, User
from dmdesk.routing.jobs import run_presence_timeouts, run_reassignment
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.ownership.kit import agent, clock, conv, events, inbound, team


def _rule(svc: Services, ws: Seeded, name: str, definition: dict[str, object]) -> int:
    return svc.db.write(
        lambda s: (
            do_create_routing_rule(
                s, workspace_id=ws.workspace_id, name=name, definition=definition, at=svc.clock()
            ).id
        )
    )


def test_first_matching_rule_routes_and_is_logged(svc: Services, ws: Seeded) -> None:
    sales = team(svc, ws, "Sales", [])
    team(svc, ws, "Support", [])
    refunds = _rule(
        svc,
        ws,
        "Refunds",
        {
            "conditions": [{"kind": "text_contains", "any_of": ["refund"]}],
            "actions": {"team": "Sales", "priority": "high", "add_tags": ["refund"]},
        },
    )
    _rule(svc, ws, "Everything", {"actions": {"team": "Support"}})
    conv_id = inbound(svc, ws, "I want a refund please")
    row = conv(svc, conv_id)
    assert (row.team_id, row.priority) == (sales, "high")
    [applied] = events(svc, "routing.applied")
    assert applied.data["rule_id"] == refunds
    assert applied.data["rule_name"] == "Refunds"
    assert applied.data["evaluated"] == 1
    other = conv(svc, inbound(svc, ws, "hello", sender="u2"))
    assert other.team_id != sales
    assert [e.data["rule_name"] for e in events(svc, "routing.applied")] == [
        "Refunds",
        "Everything",
    ]
    with svc.db.session() as s:
        assert dry_run(s, conv=s.get_one(Conversation, conv_id))["rule_id"] == refunds


def test_round_robin_respects_capacity_and_presence(svc: Services, ws: Seeded) -> None:
    a = agent(svc, ws, "ana", capacity=1)
    b = agent(svc, ws, "ben", capacity=1)
    c = agent(svc, ws, "cy", capacity=5)
    svc.db.write(lambda s: do_set_presence(s, user_id=c, presence="offline", at=svc.clock()))
    team(svc, ws, "Support", [a, b, c])
    _rule(svc, ws, "All", {"actions": {"team": "Support"}})
    got = [conv(svc, inbound(svc, ws, "hi", sender=f"p{i}")).assignee_id for i in range(3)]
    assert sorted(got[:2]) == sorted([a, b])
    assert got[2] is None
    [skipped] = events(svc, "assignment.unassigned")
    assert skipped.data["reason"] == "all_at_capacity"


def test_skills_pick_the_agent_who_speaks_the_language(svc: Services, ws: Seeded) -> None:
    a = agent(svc, ws, "ana", languages=["es"])
    b = agent(svc, ws, "ben", languages=["en"])
    support = team(svc, ws, "Support", [a, b], strategy="least_loaded")
    _rule(svc, ws, "All", {"actions": {"team": str(support)}})
    conv_id = inbound(svc, ws, "Hola, ¿dónde está mi pedido? Necesito ayuda por favor")
    row = conv(svc, conv_id)
    if row.language and row.language.startswith("es"):
        assert row.assignee_id == a


def test_claim_and_hand_off_with_note(svc: Services, ws: Seeded) -> None:
    conv_id = inbound(svc, ws, "hello")
    a = agent(svc, ws, "ana")
    b = agent(svc, ws, "ben")

    def claim(s: Session, user_id: int) -> Conversation:
        return do_claim_conversation(
            s, conv=s.get_one(Conversation, conv_id), user=s.get_one(User, user_id), at=svc.clock()
        )

    svc.db.write(lambda s: claim(s, a))
    with pytest.raises(Conflict):
        svc.db.write(lambda s: claim(s, b))
    svc.db.write(
        lambda s: do_hand_off(
            s,
            conv=s.get_one(Conversation, conv_id),
            actor=s.get_one(User, a),
            to_user_id=b,
            note="VIP, please call back",
            at=svc.clock(),
        )
    )
    assert conv(svc, conv_id).assignee_id == b
    assert [e.data["reason"] for e in events(svc, "conversation.assigned")] == ["claim", "hand_off"]
    assert len(events(svc, "note.created")) == 1


def test_absent_agents_lose_their_conversations(svc: Services, ws: Seeded) -> None:
    a = agent(svc, ws, "ana")
    b = agent(svc, ws, "ben")
    support = team(svc, ws, "Support", [a, b], reassign_after_minutes=10)
    _rule(svc, ws, "All", {"actions": {"team": "Support"}})
    conv_id = inbound(svc, ws, "hello")
    first = conv(svc, conv_id).assignee_id
    assert first in (a, b)
    other = b if first == a else a
    clock(svc).advance(minutes=6)
    svc.db.write(lambda s: do_set_presence(s, user_id=other, presence="online", at=svc.clock()))
    assert run_presence_timeouts(svc) == 1  # `first` never sent a heartbeat: now away
    clock(svc).advance(minutes=5)
    assert run_reassignment(svc) == 0  # away for 5 of the 10 minutes
    clock(svc).advance(minutes=6)
    assert run_reassignment(svc) == 1
    assert conv(svc, conv_id).assignee_id == other
    svc.db.write(
        lambda s: do_update_team_settings(
            s,
            team=s.get_one(Team, support),
            changes={"strategy": "least_loaded"},
            at=svc.clock(),
            actor_id=None,
        )
    )
    assert clock(svc).now - timedelta(minutes=17) < clock(svc).now
