"""Periodic jobs: snoozed conversations wake on time; every job is registered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dmdesk.actions.conversations import do_set_status
from dmdesk.actions.snooze import do_wake_snoozed
from dmdesk.models import Conversation
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, signed


def test_a_snoozed_conversation_wakes_when_its_time_comes(
    client: Any, services: Services, seeded: Seeded
) -> None:
    body = generic_body("z1")
    client.post(
        f"/webhooks/generic/{seeded.channel_id}",
        content=body,
        headers=signed(body, seeded.channel_secret),
    )
    services.pipeline.run_once()
    now = services.clock()
    with services.db.session() as s:
        conv_id = s.query(Conversation.id).scalar()
    services.db.write(
        lambda s: do_set_status(
            s,
            conv=s.get_one(Conversation, conv_id),
            status="snoozed",
            snoozed_until=now + timedelta(hours=1),
            at=now,
            actor_id=seeded.agent_id,
        )
    )
    assert services.db.write(lambda s: do_wake_snoozed(s, at=now + timedelta(minutes=59))) == 0
    assert services.db.write(lambda s: do_wake_snoozed(s, at=now + timedelta(hours=1))) == 1
    with services.db.session() as s:
        conv = s.get_one(Conversation, conv_id)
        assert conv.status == "open"
        assert conv.snoozed_until is None


def test_the_scheduler_knows_every_periodic_job(services: Services) -> None:
    names = set(services.scheduler.jobs)
    assert {
        "wake_snoozed",
        "outbound_webhooks",
        "automation",
        "sla_check",
        "reassignment",
        "presence_timeouts",
        "contact_profiles",
    } <= names
