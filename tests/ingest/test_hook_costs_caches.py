"""Per-workspace caches of the bus subscribers: enabled rules and "has webhook
subscriptions" are read once, and dropped by the events that change them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dmdesk.actions.automation import do_create_rule
from dmdesk.actions.webhooks_out import SubscriberLookup, do_create_subscription
from dmdesk.db.events import PublishedEvent
from dmdesk.models import User
from dmdesk.rules.definitions import RuleDefinition
from dmdesk.rules.engine import RuleEngine
from dmdesk.rules.faq import FaqResponder
from dmdesk.services import Services
from tests.conftest import Seeded

TAG_ALL = {"trigger": {"event": "message_created"}, "actions": [{"action": "tag", "tag": "x"}]}


def _event(ws: int, type_: str) -> PublishedEvent:
    return PublishedEvent(
        id=1,
        workspace_id=ws,
        type=type_,
        conversation_id=None,
        actor_kind="user",
        actor_id=None,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _add_rule(services: Services, seeded: Seeded) -> None:
    parsed = RuleDefinition.model_validate(TAG_ALL).model_dump(mode="json", exclude_none=True)

    def work(s: Any) -> None:
        admin = s.get_one(User, seeded.admin_id)
        at = services.clock()
        do_create_rule(s, user=admin, name="All", definition=parsed, at=at, box=services.box)

    services.db.write(work)


def test_enabled_rules_are_cached_until_an_automation_event(
    services: Services, seeded: Seeded
) -> None:
    engine = RuleEngine(db=services.db, clock=services.clock, faq=FaqResponder())
    assert engine.enabled_rules(seeded.workspace_id) == []
    _add_rule(services, seeded)
    assert engine.enabled_rules(seeded.workspace_id) == []  # the cached copy
    engine.handle(_event(seeded.workspace_id, "automation.rule_created"))
    rules = engine.enabled_rules(seeded.workspace_id)
    assert [d.trigger.event for _id, d in rules] == ["message_created"]


def test_subscriber_lookup_is_cached_until_a_webhook_event(
    services: Services, seeded: Seeded
) -> None:
    lookup = SubscriberLookup(services.db, ttl=60.0)
    assert lookup(seeded.workspace_id) is False
    services.db.write(
        lambda s: do_create_subscription(
            s,
            workspace_id=seeded.workspace_id,
            url="https://example.test/hook",
            event_types=["conversation.*"],
            box=services.box,
            actor_id=seeded.admin_id,
            at=services.clock(),
        )
    )
    assert lookup(seeded.workspace_id) is False  # the cached copy
    lookup.invalidate(_event(seeded.workspace_id, "webhook.subscribed"))
    assert lookup(seeded.workspace_id) is True
    assert SubscriberLookup(services.db, ttl=0.0)(seeded.workspace_id) is True
