"""WhatsApp template sends go through the governed reply path: a sensitive template (or a
flagged agent) lands in the approval queue and nothing is queued until a supervisor agrees."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from dmdesk.actions.channels import do_create_channel
from dmdesk.actions.templates import do_add_channel_template
from dmdesk.models import Channel, Message, OutboxItem
from dmdesk.services import Services
from tests.automation.kit import START, inbound
from tests.conftest import Seeded
from tests.replies.test_replies_api import API, count


def _whatsapp_conversation(services: Services, seeded: Seeded) -> int:
    def work(s: Any) -> int:
        channel = do_create_channel(
            s,
            workspace_id=seeded.workspace_id,
            platform="whatsapp",
            name="WA",
            external_id="1555000",
            settings={"app_secret": "a", "verify_token": "v", "access_token": "t"},
            box=services.box,
            at=START,
        )
        for name in ("refund_offer", "order_update"):
            do_add_channel_template(s, channel=channel, name=name, language="en_US", at=START)
        return channel.id

    wa = services.db.write(work)
    return inbound(services, replace(seeded, channel_id=wa), "hello there")


def _approval_rule(client: Any, seeded: Seeded) -> None:
    rule = {
        "kind": "word",
        "pattern": "refund",
        "reason": "refunds need a lead",
        "effect": "approval",
    }
    assert (
        client.post(f"{API}/governance/rules", headers=seeded.admin(), json=rule).status_code == 201
    )


def test_sensitive_template_waits_for_approval(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _whatsapp_conversation(services, seeded)
    _approval_rule(client, seeded)
    sent = client.post(
        f"{API}/conversations/{conv}/template-messages",
        headers=seeded.agent(),
        json={"name": "refund_offer", "approved": True},
    )
    assert sent.status_code == 201
    assert sent.json()["status"] == "awaiting_approval"
    assert count(services, OutboxItem) == 0
    aid = sent.json()["approval_id"]
    edit = client.post(
        f"{API}/approvals/{aid}/approve", headers=seeded.admin(), json={"text": "free text"}
    )
    assert edit.status_code == 400
    ok = client.post(f"{API}/approvals/{aid}/approve", headers=seeded.admin(), json={})
    assert ok.status_code == 200
    with services.db.session() as s:
        msg = s.scalars(select(Message).where(Message.direction == "outbound")).one()
        assert s.get_one(Channel, msg.channel_id).platform == "whatsapp"
    assert (msg.meta["template"], msg.meta["template_language"]) == ("refund_offer", "en_US")
    assert count(services, OutboxItem) == 1


def test_plain_template_is_queued_and_unknown_one_refused(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _whatsapp_conversation(services, seeded)
    _approval_rule(client, seeded)
    ok = client.post(
        f"{API}/conversations/{conv}/template-messages",
        headers=seeded.agent(),
        json={"name": "order_update"},
    )
    assert ok.status_code == 201
    assert ok.json()["status"] == "queued"
    unknown = client.post(
        f"{API}/conversations/{conv}/template-messages",
        headers=seeded.agent(),
        json={"name": "refund_secret"},
    )
    assert unknown.status_code == 422
    assert count(services, OutboxItem) == 1
