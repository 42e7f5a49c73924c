"""WhatsApp end to end against the simulator: Cloud API send format, statuses, window."""

from __future__ import annotations

from datetime import timedelta

from tests.channels import scenarios
from tests.channels.harness import PERSON, Rig

PHONE_NUMBER_ID = "1122334455667"


def test_round_trip_reaches_read(rig: Rig) -> None:
    record, _ = scenarios.round_trip(rig, "whatsapp", final_status="read")
    assert record["path"] == f"/whatsapp/v21.0/{PHONE_NUMBER_ID}/messages"
    assert record["headers"]["authorization"] == "Bearer whatsapp-sim-token"
    body = record["json"]
    assert body["messaging_product"] == "whatsapp"
    assert body["to"] == PERSON.platform_id("whatsapp")
    assert body["type"] == "text"
    assert body["text"] == {"preview_url": False, "body": "It ships today, sorry for the wait."}


def test_duplicate_webhook_stores_one_message(rig: Rig) -> None:
    scenarios.duplicate_stored_once(rig, "whatsapp")


def test_bad_signature_is_refused(rig: Rig) -> None:
    scenarios.bad_signature_refused(rig, "whatsapp", "X-Hub-Signature-256")


def test_verify_token_handshake(rig: Rig) -> None:
    scenarios.meta_handshake(rig, "whatsapp")


def test_within_24_hours_free_form_is_sent(rig: Rig) -> None:
    resp = scenarios.reply_after(rig, "whatsapp", silence=timedelta(hours=23, minutes=59))
    assert resp.status_code == 201, resp.text
    (record,) = rig.wait_sent("whatsapp")
    assert record["json"]["type"] == "text"


def test_after_24_hours_free_form_is_refused_with_the_alternative(rig: Rig) -> None:
    resp = scenarios.reply_after(rig, "whatsapp", silence=timedelta(hours=24, minutes=1))
    assert resp.status_code == 422
    problem = resp.json()
    assert "only approved templates" in problem["detail"]
    assert problem["allowed"] == "use an approved template"
    assert rig.sim_requests("whatsapp") == []


def test_rate_limit_is_retried_then_sent(rig: Rig) -> None:
    msg = scenarios.rate_limited_then_sent(rig, "whatsapp", wait_s=60)
    assert msg["delivery_status"] in ("sent", "delivered", "read")


def test_undeliverable_fails_with_platform_error(rig: Rig) -> None:
    msg = scenarios.blocked_fails_for_good(rig, "whatsapp", error_text="Message undeliverable")
    assert msg["error_code"] == "131026"
