"""Messenger end to end against the simulator: Graph send format, receipts, window, errors."""

from __future__ import annotations

from dmdesk.simulator.formats import meta_body
from dmdesk.simulator.people import Webhook, sign_for
from tests.channels import scenarios
from tests.channels.harness import PERSON, Rig, processed, wait_for

PAGE_ID = "100000000000001"


def test_round_trip_reaches_read(rig: Rig) -> None:
    record, _ = scenarios.round_trip(rig, "messenger", final_status="read")
    assert record["path"] == f"/messenger/v21.0/{PAGE_ID}/messages"
    assert record["headers"]["authorization"] == "Bearer messenger-sim-token"
    body = record["json"]
    assert body["recipient"] == {"id": "2900000000004242"}
    assert body["message"]["text"] == "It ships today, sorry for the wait."
    # The idempotency key rides along as metadata and comes back on the echo.
    assert len(body["message"]["metadata"]) == 32
    assert body["messaging_type"] == "RESPONSE"
    assert "tag" not in body


def test_duplicate_webhook_stores_one_message(rig: Rig) -> None:
    scenarios.duplicate_stored_once(rig, "messenger")


def test_bad_signature_is_refused(rig: Rig) -> None:
    scenarios.bad_signature_refused(rig, "messenger", "X-Hub-Signature-256")


def test_verify_token_handshake(rig: Rig) -> None:
    scenarios.meta_handshake(rig, "messenger")


def test_echo_of_our_own_send_is_not_stored_twice(rig: Rig) -> None:
    _, sent_id = scenarios.round_trip(rig, "messenger", final_status="read")
    conv_id = rig.conversation_id("messenger")
    mid = rig.outbound(conv_id, sent_id)["platform_message_id"]
    before = rig.count_messages("messenger")
    assert rig.post(page_echo(rig, mid, "It ships today, sorry for the wait.")).status_code == 200
    wait_for(lambda: processed(rig, "messenger", at_least=4), what="the echo processed")
    assert rig.count_messages("messenger") == before
    texts = [m["text"] for m in rig.thread(conv_id)["messages"]]
    assert texts.count("It ships today, sorry for the wait.") == 1


def test_echo_of_a_reply_from_the_meta_inbox_is_shown_as_agent_message(rig: Rig) -> None:
    _, conv_id = rig.say("messenger", text="Hello?")
    assert rig.post(page_echo(rig, "m_from_phone_1", "Answered from the phone")).status_code == 200
    found = wait_for(lambda: rig.message_by_platform_id("messenger", "m_from_phone_1"))
    assert found.direction == "outbound"
    assert found.conversation_id == conv_id


def test_window_boundaries(rig: Rig) -> None:
    scenarios.meta_window(rig, "messenger")


def test_rate_limit_is_retried_then_sent(rig: Rig) -> None:
    msg = scenarios.rate_limited_then_sent(rig, "messenger", wait_s=60)
    assert msg["delivery_status"] in ("sent", "delivered", "read")


def test_blocked_person_fails_with_platform_error(rig: Rig) -> None:
    msg = scenarios.blocked_fails_for_good(rig, "messenger", error_text="isn't available")
    assert msg["error_code"] == "551"


def page_echo(rig: Rig, mid: str, text: str) -> Webhook:
    """The echo Meta sends the Page for a message sent as it (by dmdesk or the Meta inbox)."""
    event = {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": PERSON.platform_id("messenger")},
        "timestamp": int(rig.clock().timestamp() * 1000),
        "message": {"mid": mid, "is_echo": True, "app_id": 263902037430900, "text": text},
    }
    account = rig.accounts.get("messenger")
    return sign_for("messenger", account, payload=meta_body("page", account, event=event))


def test_bot_quick_replies_reach_the_platform(rig: Rig) -> None:
    from dmdesk.actions.bot import do_send_bot_message
    from dmdesk.models import Conversation

    _step, conv_id = rig.say("messenger")
    rig.services.db.write(
        lambda s: do_send_bot_message(
            s,
            conv=s.get_one(Conversation, conv_id),
            text="Did that help?",
            at=rig.clock(),
            quick_replies=[("Yes", "HELPED"), ("Talk to a person", "HANDOFF")],
        )
    )
    body = rig.wait_sent("messenger")[-1]["json"]
    assert body["message"]["text"] == "Did that help?"
    assert [q["payload"] for q in body["message"]["quick_replies"]] == ["HELPED", "HANDOFF"]
