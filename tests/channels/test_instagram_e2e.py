"""Instagram end to end against the simulator: Graph send format, read receipts, window."""

from __future__ import annotations

from dmdesk.simulator.formats import meta_body
from dmdesk.simulator.people import Webhook, sign_for
from dmdesk.simulator.script import message_id
from tests.channels import scenarios
from tests.channels.harness import PERSON, Rig, processed, wait_for

IG_ID = "17841400000000001"


def test_round_trip_reaches_read(rig: Rig) -> None:
    record, _ = scenarios.round_trip(rig, "instagram", final_status="read")
    assert record["path"] == f"/instagram/v21.0/{IG_ID}/messages"
    assert record["headers"]["authorization"] == "Bearer instagram-sim-token"
    body = record["json"]
    assert body["recipient"] == {"id": PERSON.platform_id("instagram")}
    assert body["message"]["text"] == "It ships today, sorry for the wait."
    assert "tag" not in body


def test_story_reply_keeps_the_story_link(rig: Rig) -> None:
    step = rig.step("story_reply", text="Love this colour!")
    assert rig.post(rig.webhook("instagram", step)).status_code == 200
    mid = message_id("instagram", step.seq)
    msg = wait_for(lambda: rig.message_by_platform_id("instagram", mid))
    assert msg.text == "Love this colour!"
    assert step.story_url() in str(msg.meta) + str(msg.attachments)


def test_reaction_reuses_the_mid_without_a_new_message(rig: Rig) -> None:
    step, _ = rig.say("instagram", text="Thanks, that solved it!")
    mid = message_id("instagram", step.seq)
    reaction = rig.step("reaction", text=None, emoji="❤️", target_message_id=mid)
    assert rig.post(rig.webhook("instagram", reaction)).status_code == 200
    wait_for(lambda: processed(rig, "instagram", at_least=2), what="the reaction processed")
    assert rig.count_messages("instagram") == 1
    found = rig.message_by_platform_id("instagram", mid)
    assert found is not None
    assert found.reactions


def test_duplicate_webhook_stores_one_message(rig: Rig) -> None:
    scenarios.duplicate_stored_once(rig, "instagram")


def test_bad_signature_is_refused(rig: Rig) -> None:
    scenarios.bad_signature_refused(rig, "instagram", "X-Hub-Signature-256")


def test_verify_token_handshake(rig: Rig) -> None:
    scenarios.meta_handshake(rig, "instagram")


def test_echo_of_our_own_send_is_not_stored_twice(rig: Rig) -> None:
    _, sent_id = scenarios.round_trip(rig, "instagram", final_status="read")
    conv_id = rig.conversation_id("instagram")
    mid = rig.outbound(conv_id, sent_id)["platform_message_id"]
    before = rig.count_messages("instagram")
    assert (
        rig.post(account_echo(rig, mid, "It ships today, sorry for the wait.")).status_code == 200
    )
    wait_for(lambda: processed(rig, "instagram", at_least=3), what="the echo processed")
    assert rig.count_messages("instagram") == before


def test_window_boundaries(rig: Rig) -> None:
    scenarios.meta_window(rig, "instagram")


def test_rate_limit_is_retried_then_sent(rig: Rig) -> None:
    msg = scenarios.rate_limited_then_sent(rig, "instagram", wait_s=60)
    assert msg["delivery_status"] in ("sent", "read")


def test_blocked_person_fails_with_platform_error(rig: Rig) -> None:
    msg = scenarios.blocked_fails_for_good(rig, "instagram", error_text="isn't available")
    assert msg["error_code"] == "551"


def account_echo(rig: Rig, mid: str, text: str) -> Webhook:
    event = {
        "sender": {"id": IG_ID},
        "recipient": {"id": PERSON.platform_id("instagram")},
        "timestamp": int(rig.clock().timestamp() * 1000),
        "message": {"mid": mid, "is_echo": True, "text": text},
    }
    account = rig.accounts.get("instagram")
    return sign_for("instagram", account, payload=meta_body("instagram", account, event=event))
