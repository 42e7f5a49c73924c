"""Automation over the API: rules with a masked secret, dry run, run log, flows, consent,
campaign report; and a crashing hook that must not block ingestion."""

from __future__ import annotations

from typing import Any

import pytest

from dmdesk.rules.faq import FaqResponder
from dmdesk.services import Services
from tests.automation.kit import inbound
from tests.conftest import Seeded
from tests.replies.test_replies_api import API, conversation


def test_rules_flows_consent_and_campaign_over_the_api(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = conversation(client, services, seeded, text="refund please")
    definition = {
        "trigger": {"event": "message_created"},
        "conditions": [{"field": "message.text", "op": "contains", "value": "refund"}],
        "actions": [
            {"action": "tag", "tag": "refund"},
            {"action": "call_webhook", "url": "https://crm.example.test/h", "secret": "topsecret"},
        ],
    }
    dry = client.post(
        f"{API}/automation/rules/dry-run",
        headers=seeded.admin(),
        json={"definition": definition, "conversation_id": conv},
    ).json()
    assert dry["matched"] is True
    assert dry["conditions"][0]["actual"] == "refund please"
    refused = client.post(
        f"{API}/automation/rules",
        headers=seeded.agent(),
        json={"name": "r", "definition": definition},
    )
    assert refused.status_code == 403
    made = client.post(
        f"{API}/automation/rules",
        headers=seeded.admin(),
        json={"name": "Refunds", "definition": definition},
    )
    assert made.status_code == 201
    assert made.json()["definition"]["actions"][1]["secret"] == "set"
    invalid = client.post(
        f"{API}/automation/rules",
        headers=seeded.admin(),
        json={"name": "x", "definition": {"trigger": {"event": "nope"}, "actions": []}},
    )
    assert invalid.status_code == 400
    flow = client.post(
        f"{API}/automation/flows",
        headers=seeded.admin(),
        json={"keyword": "Guide", "purpose": "guide", "reply_text": "Here you go"},
    )
    assert flow.json()["keyword"] == "guide"
    thread = client.get(f"{API}/conversations/{conv}", headers=seeded.admin()).json()
    contact = thread["contact"]["id"]
    assert client.get(f"{API}/contacts/{contact}/consents", headers=seeded.admin()).json() == {
        "opted_out": False,
        "items": [],
    }
    camp = client.post(
        f"{API}/campaigns",
        headers=seeded.admin(),
        json={"name": "Tips", "purpose": "guide", "body": "Tips!"},
    ).json()
    report = client.post(f"{API}/campaigns/{camp['id']}/send", headers=seeded.admin()).json()
    assert report["sent"] == 0
    assert report["skipped"] == {"no consent": 1}


def test_a_crashing_hook_never_blocks_ingestion(
    svc: Services, ws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dmdesk.actions.governance import do_update_reply_settings
    from tests.automation.kit import outbound_rows, user

    admin = user(svc, ws.admin_id)
    svc.db.write(
        lambda s: do_update_reply_settings(
            s, user=admin, changes={"faq_enabled": True}, at=svc.clock()
        )
    )

    def boom(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(FaqResponder, "respond", boom)
    conv = inbound(svc, ws, "what are your hours?")
    inbound(svc, ws, "hello again")
    from sqlalchemy import func, select

    from dmdesk.models import Message

    with svc.db.session() as s:
        stored = s.scalar(
            select(func.count()).select_from(Message).where(Message.conversation_id == conv)
        )
    assert stored == 2
    assert outbound_rows(svc, conv) == []
