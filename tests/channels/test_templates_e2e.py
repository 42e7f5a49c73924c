"""WhatsApp templates per channel: listed by admins, the only send allowed after 24 h."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.channels import scenarios
from tests.channels.harness import Rig


def _add(rig: Rig, platform: str, name: str, language: str) -> httpx.Response:
    return rig.http.post(
        f"{rig.desk}/api/v1/channels/{rig.channels[platform]}/templates",
        json={"name": name, "language": language},
        headers=rig.seeded.admin(),
    )


def _send(rig: Rig, conv_id: int, **body: Any) -> httpx.Response:
    return rig.http.post(
        f"{rig.desk}/api/v1/conversations/{conv_id}/template-messages",
        json=body,
        headers=rig.seeded.agent(),
    )


def _late_whatsapp_conversation(rig: Rig) -> int:
    refused = scenarios.reply_after(rig, "whatsapp", silence=timedelta(hours=30))
    assert refused.status_code == 422
    return rig.conversation_id("whatsapp", person=scenarios.quiet_person(timedelta(hours=30)))


def test_admins_list_and_add_templates(rig: Rig) -> None:
    assert _add(rig, "whatsapp", "order_update", "es").status_code == 201
    assert _add(rig, "whatsapp", "order_update", "en_US").status_code == 201
    assert _add(rig, "whatsapp", "order_update", "es").status_code == 409
    assert _add(rig, "whatsapp", "Bad Name!", "es").status_code == 400
    assert _add(rig, "messenger", "order_update", "es").status_code == 400
    as_agent = rig.http.post(
        f"{rig.desk}/api/v1/channels/{rig.channels['whatsapp']}/templates",
        json={"name": "sneaky", "language": "en_US"},
        headers=rig.seeded.agent(),
    )
    assert as_agent.status_code == 403
    listed = rig.http.get(
        f"{rig.desk}/api/v1/channels/{rig.channels['whatsapp']}/templates",
        headers=rig.seeded.agent(),
    ).json()
    assert [(t["name"], t["language"]) for t in listed] == [
        ("order_update", "en_US"),
        ("order_update", "es"),
    ]


def test_unapproved_template_is_refused_after_24_hours(rig: Rig) -> None:
    conv_id = _late_whatsapp_conversation(rig)
    resp = _send(rig, conv_id, name="order_update")
    assert resp.status_code == 422
    assert "not approved" in resp.json()["detail"]
    assert resp.json()["allowed"] == "use an approved template"
    assert rig.sim_requests("whatsapp") == []


def test_approved_template_goes_out_in_its_language_and_gets_receipts(rig: Rig) -> None:
    assert _add(rig, "whatsapp", "order_update", "es").status_code == 201
    conv_id = _late_whatsapp_conversation(rig)
    resp = _send(rig, conv_id, name="order_update")
    assert resp.status_code == 201, resp.text
    (record,) = rig.wait_sent("whatsapp")
    assert record["json"]["type"] == "template"
    assert record["json"]["template"] == {"name": "order_update", "language": {"code": "es"}}
    rig.wait_status(conv_id, int(resp.json()["id"]), "read")
