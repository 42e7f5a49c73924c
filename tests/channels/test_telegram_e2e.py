"""Telegram end to end against the simulator: Bot API sendMessage, secret token, no window."""

from __future__ import annotations

from tests.channels import scenarios
from tests.channels.harness import PERSON, Rig


def test_round_trip_is_sent(rig: Rig) -> None:
    # Telegram has no delivery or read receipts for bots: "sent" is as far as it goes.
    record, _ = scenarios.round_trip(rig, "telegram", final_status="sent")
    assert record["path"] == "/telegram/bot7100000001:SIMtoken/sendMessage"
    body = record["json"]
    assert str(body["chat_id"]) == PERSON.platform_id("telegram")
    assert body["text"] == "It ships today, sorry for the wait."


def test_webhook_path_is_per_channel(rig: Rig) -> None:
    hook = rig.webhook("telegram", rig.step())
    assert hook.path == f"/webhooks/telegram/{rig.channels['telegram']}"
    wrong = rig.http.post(
        f"{rig.desk}/webhooks/telegram/{rig.channels['messenger']}",
        content=hook.body,
        headers=hook.headers,
    )
    assert wrong.status_code == 404
    assert rig.count_events("telegram") == 0


def test_duplicate_webhook_stores_one_message(rig: Rig) -> None:
    scenarios.duplicate_stored_once(rig, "telegram")


def test_bad_secret_token_is_refused(rig: Rig) -> None:
    scenarios.bad_signature_refused(rig, "telegram", "X-Telegram-Bot-Api-Secret-Token")


def test_no_window(rig: Rig) -> None:
    scenarios.no_window(rig, "telegram")


def test_rate_limit_is_retried_then_sent(rig: Rig) -> None:
    msg = scenarios.rate_limited_then_sent(rig, "telegram", wait_s=7)
    assert msg["delivery_status"] == "sent"


def test_blocked_bot_fails_with_platform_error(rig: Rig) -> None:
    msg = scenarios.blocked_fails_for_good(rig, "telegram", error_text="bot was blocked")
    assert msg["delivery_status"] == "failed"
