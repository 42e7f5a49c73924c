"""X end to end against the simulator: v2 DM send, CRC, read receipts, echoes."""

from __future__ import annotations

import base64
import hashlib
import hmac

from dmdesk.simulator.people import Webhook, sign_for
from tests.channels import scenarios
from tests.channels.harness import PERSON, Rig, processed, wait_for

X_ID = "1000000000000000001"


def test_round_trip_reaches_read(rig: Rig) -> None:
    record, _ = scenarios.round_trip(rig, "x", final_status="read")
    assert record["path"] == f"/x/2/dm_conversations/with/{PERSON.platform_id('x')}/messages"
    assert record["headers"]["authorization"] == "Bearer x-sim-token"
    assert record["json"] == {"text": "It ships today, sorry for the wait."}


def test_crc_challenge(rig: Rig) -> None:
    resp = rig.http.get(f"{rig.desk}/webhooks/x", params={"crc_token": "challenge-123"})
    assert resp.status_code == 200
    secret = rig.accounts.get("x").secret.encode()
    digest = hmac.new(secret, b"challenge-123", hashlib.sha256).digest()
    assert resp.json() == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def test_duplicate_webhook_stores_one_message(rig: Rig) -> None:
    scenarios.duplicate_stored_once(rig, "x")


def test_bad_signature_is_refused(rig: Rig) -> None:
    scenarios.bad_signature_refused(rig, "x", "x-twitter-webhooks-signature")


def test_echo_of_our_own_send_is_not_stored_twice(rig: Rig) -> None:
    _, sent_id = scenarios.round_trip(rig, "x", final_status="read")
    conv_id = rig.conversation_id("x")
    event_id = rig.outbound(conv_id, sent_id)["platform_message_id"]
    before = rig.count_messages("x")
    assert rig.post(own_dm(rig, event_id, "It ships today, sorry for the wait.")).status_code == 200
    wait_for(lambda: processed(rig, "x", at_least=3), what="the echo processed")
    assert rig.count_messages("x") == before


def test_no_window(rig: Rig) -> None:
    scenarios.no_window(rig, "x")


def test_rate_limit_is_retried_then_sent(rig: Rig) -> None:
    msg = scenarios.rate_limited_then_sent(rig, "x", wait_s=900)
    assert msg["delivery_status"] in ("sent", "read")


def test_forbidden_fails_with_platform_error(rig: Rig) -> None:
    msg = scenarios.blocked_fails_for_good(rig, "x", error_text="not permitted")
    assert msg["delivery_status"] == "failed"


def own_dm(rig: Rig, event_id: str, text: str) -> Webhook:
    """The Account Activity event X sends for a DM the account itself sent."""
    account = rig.accounts.get("x")
    event = {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": str(int(rig.clock().timestamp() * 1000)),
        "message_create": {
            "target": {"recipient_id": PERSON.platform_id("x")},
            "sender_id": X_ID,
            "message_data": {"text": text},
        },
    }
    return sign_for("x", account, payload={"for_user_id": X_ID, "direct_message_events": [event]})
