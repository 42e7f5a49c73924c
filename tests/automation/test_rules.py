"""Automation rules: conditions, actions, the run log, dry runs, the loop guard, and a
failing rule disabled without ever blocking ingestion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dmdesk.actions.automation import do_create_rule, rule_runs
from dmdesk.actions.conversations import conversation_tags
from dmdesk.models import Conversation, Event, Message
from dmdesk.models.replies import AutomationRule
from dmdesk.rules.definitions import RuleDefinition
from dmdesk.rules.engine import RuleEngine
from dmdesk.rules.faq import FaqResponder
from dmdesk.rules.jobs import run_due_followups
from dmdesk.services import Services
from tests.automation.kit import clock, inbound, user
from tests.conftest import Seeded


def _rule(svc: Services, ws: Seeded, name: str, definition: dict[str, Any]) -> int:
    admin = user(svc, ws.admin_id)
    parsed = RuleDefinition.model_validate(definition).model_dump(mode="json", exclude_none=True)
    return int(
        svc.db.write(
            lambda s: do_create_rule(
                s, user=admin, name=name, definition=parsed, at=svc.clock(), box=svc.box
            )
        ).id
    )


def _rule_row(svc: Services, rule_id: int) -> AutomationRule:
    with svc.db.session() as s:
        return s.get_one(AutomationRule, rule_id)


REFUND = {
    "trigger": {"event": "message_created"},
    "conditions": [{"field": "message.text", "op": "matches", "value": r"\brefund"}],
    "actions": [{"action": "tag", "tag": "refund"}, {"action": "set_priority", "priority": "high"}],
}


def test_matching_rule_acts_and_logs(svc: Services, ws: Seeded) -> None:
    rid = _rule(svc, ws, "Refunds", REFUND)
    hit = inbound(svc, ws, "I want a REFUND now", sender="a")
    miss = inbound(svc, ws, "Nice shoes", sender="b")
    with svc.db.session() as s:
        assert conversation_tags(s, hit) == ["refund"]
        assert conversation_tags(s, miss) == []
        assert s.get_one(Conversation, hit).priority == "high"
        runs = rule_runs(s, rid)
        tagged = s.scalars(select(Event).where(Event.type == "conversation.tagged")).one()
    assert [(r.outcome, r.did) for r in runs] == [("applied", ["tagged refund", "priority high"])]
    assert (tagged.actor_kind, tagged.actor_id, tagged.data["rule_name"]) == (
        "rule",
        rid,
        "Refunds",
    )


def test_dry_run_writes_nothing(svc: Services, ws: Seeded) -> None:
    conv_id = inbound(svc, ws, "refund please")
    engine = RuleEngine(db=svc.db, clock=svc.clock, faq=FaqResponder())
    with svc.db.session() as s:
        conv = s.get_one(Conversation, conv_id)
        out = engine.dry_run(s, RuleDefinition.model_validate(REFUND), conv)
        assert out["matched"] is True
        assert out["would_do"] == ["tag", "set_priority"]
        assert conversation_tags(s, conv_id) == []


def test_a_rule_never_retriggers_itself(svc: Services, ws: Seeded) -> None:
    ping = _rule(
        svc,
        ws,
        "ping",
        {
            "trigger": {"event": "tag_added"},
            "actions": [{"action": "tag", "tag": "ping"}, {"action": "tag", "tag": "again"}],
        },
    )
    pong = _rule(
        svc,
        ws,
        "pong",
        {"trigger": {"event": "tag_added"}, "actions": [{"action": "tag", "tag": "pong"}]},
    )
    conv = inbound(svc, ws, "hi")
    admin = user(svc, ws.admin_id)
    from dmdesk.actions.conversations import do_add_tag

    svc.db.write(
        lambda s: do_add_tag(
            s, conv=s.get_one(Conversation, conv), tag="vip", at=svc.clock(), actor_id=admin.id
        )
    )
    with svc.db.session() as s:
        assert conversation_tags(s, conv) == ["again", "ping", "pong", "vip"]
        ping_runs = len(rule_runs(s, ping))
        pong_runs = len(rule_runs(s, pong))
    # vip -> ping; its "ping" tag -> pong (chain ping, pong: both now skip); its "again"
    # tag -> pong; vip -> pong. Bounded, and neither rule ever ran on its own events.
    assert (ping_runs, pong_runs) == (1, 3)


def test_a_reply_rule_does_not_answer_its_own_reply(svc: Services, ws: Seeded) -> None:
    from dmdesk.actions.replies import do_create_saved_reply

    admin = user(svc, ws.admin_id)
    saved = svc.db.write(
        lambda s: do_create_saved_reply(
            s, user=admin, name="ack", body="Got it, {{contact.first_name}}!", at=svc.clock()
        )
    )
    rid = _rule(
        svc,
        ws,
        "Echo",
        {
            "trigger": {"event": "message_created", "direction": "any"},
            "actions": [{"action": "send_saved_reply", "saved_reply_id": saved.id}],
        },
    )
    conv = inbound(svc, ws, "hello")
    from tests.automation.kit import outbound_texts

    assert outbound_texts(svc, conv) == ["Got it, Maria!"]
    with svc.db.session() as s:
        assert [r.outcome for r in rule_runs(s, rid)] == ["applied"]


def test_erroring_rule_is_disabled_and_ingestion_goes_on(svc: Services, ws: Seeded) -> None:
    bad = _rule(
        svc,
        ws,
        "Broken",
        {
            "trigger": {"event": "message_created"},
            "actions": [{"action": "assign_team", "team_id": 424242}],
        },
    )
    conv = inbound(svc, ws, "first")
    row = _rule_row(svc, bad)
    assert row.enabled is False
    assert "team" in (row.disabled_reason or "")
    inbound(svc, ws, "second")
    with svc.db.session() as s:
        count = s.scalar(
            select(func.count()).select_from(Message).where(Message.conversation_id == conv)
        )
        runs = rule_runs(s, bad)
    assert count == 2
    assert [r.outcome for r in runs] == ["error"]


def test_no_reply_for_hours(svc: Services, ws: Seeded) -> None:
    _rule(
        svc,
        ws,
        "Stale",
        {
            "trigger": {"event": "no_reply", "hours": 2},
            "actions": [{"action": "set_priority", "priority": "urgent"}],
        },
    )
    waiting = inbound(svc, ws, "hello?", sender="w")
    clock(svc).advance(hours=3)
    report = run_due_followups(svc)
    assert report.no_reply_runs == 1
    with svc.db.session() as s:
        assert s.get_one(Conversation, waiting).priority == "urgent"


def test_bad_definitions_are_refused() -> None:
    import pytest
    from pydantic import ValidationError

    for bad in (
        {"trigger": {"event": "no_reply"}, "actions": [{"action": "resolve"}]},
        {"trigger": {"event": "message_created"}, "actions": []},
        {
            "trigger": {"event": "message_created"},
            "conditions": [{"field": "contact.__class__", "value": 1}],
            "actions": [{"action": "resolve"}],
        },
        {"trigger": {"event": "message_created"}, "actions": [{"action": "tag"}]},
    ):
        with pytest.raises(ValidationError):
            RuleDefinition.model_validate(bad)
