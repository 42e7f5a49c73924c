"""Scenarios every platform goes through end to end; each test module adds its exact formats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from dmdesk.simulator.script import Person
from tests.channels.harness import Rig, stored_id, wait_for


def round_trip(rig: Rig, platform: str, *, final_status: str) -> tuple[dict[str, Any], int]:
    """Webhook in -> conversation -> agent reply -> simulator got it -> status comes back.

    Returns the simulator's record of the send and the desk's message id.
    """
    step, conv_id = rig.say(platform, text="Hi, where is my order #A1042?")
    inbound = rig.message_by_platform_id(platform, stored_id(platform, step))
    assert inbound is not None
    assert inbound.direction == "inbound"
    assert inbound.text == "Hi, where is my order #A1042?"
    assert inbound.conversation_id == conv_id
    resp = rig.reply(conv_id, "It ships today, sorry for the wait.")
    assert resp.status_code == 201, resp.text
    sent_id = int(resp.json()["id"])
    (record,) = rig.wait_sent(platform)
    assert record["status"] < 300
    msg = rig.wait_status(conv_id, sent_id, final_status)
    assert msg["platform_message_id"]
    assert msg["direction"] == "outbound"
    return record, sent_id


def duplicate_stored_once(rig: Rig, platform: str) -> None:
    step = rig.step(text="Is the Aurora lamp in stock?")
    hook = rig.webhook(platform, step)
    first, second = rig.post(hook), rig.post(hook)
    assert first.status_code == second.status_code == 200
    assert first.json()["accepted"] == 1
    assert second.json()["duplicates"] == 1
    assert second.json()["accepted"] == 0
    mid = stored_id(platform, step)
    wait_for(lambda: rig.message_by_platform_id(platform, mid), what="the message")
    assert rig.count_messages(platform) == 1


def bad_signature_refused(rig: Rig, platform: str, header: str) -> None:
    hook = rig.webhook(platform, rig.step(text="forged"))
    headers = dict(hook.headers)
    headers[header] = "sha256=" + "0" * 64 if platform != "telegram" else "wrong-secret"
    resp = rig.http.post(rig.desk + hook.path, content=hook.body, headers=headers)
    assert resp.status_code == 401
    assert rig.count_events(platform) == 0
    assert rig.count_messages(platform) == 0


def meta_handshake(rig: Rig, platform: str) -> None:
    from tests.channels.harness import VERIFY_TOKEN

    url = f"{rig.desk}/webhooks/{platform}"
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": ""}
    good = rig.http.get(url, params={**query, "hub.verify_token": VERIFY_TOKEN})
    assert good.status_code == 200
    assert good.text == "1158201444"
    bad = rig.http.get(url, params={**query, "hub.verify_token": "not-the-token"})
    assert bad.status_code == 403
    assert "1158201444" not in bad.text


def rate_limited_then_sent(rig: Rig, platform: str, *, wait_s: float) -> dict[str, Any]:
    """The first send is rate limited; the outbox retries after the wait and succeeds."""
    _, conv_id = rig.say(platform, text="Hello?")
    rig.fail_next(platform, "rate_limit")
    sent_id = int(rig.reply(conv_id, "Hello! How can I help?").json()["id"])
    first = rig.wait_sent(platform)
    assert first[0]["status"] == 429 or first[0]["status"] == 400
    msg = rig.outbound(conv_id, sent_id)
    assert msg["delivery_status"] == "pending"
    rig.clock.advance(seconds=wait_s + 1)
    rig.services.outbox.wake()
    records = rig.wait_sent(platform, count=2)
    assert records[1]["status"] < 300
    assert records[1]["json"] == records[0]["json"]
    sent = rig.wait_status(conv_id, sent_id, "sent") if platform == "telegram" else None
    return sent or rig.outbound(conv_id, sent_id)


def blocked_fails_for_good(rig: Rig, platform: str, *, error_text: str) -> dict[str, Any]:
    """The person blocked the business: failed with the platform's error, never retried."""
    _, conv_id = rig.say(platform, text="Hello?")
    rig.fail_next(platform, "unavailable", count=5)
    sent_id = int(rig.reply(conv_id, "Hello! How can I help?").json()["id"])
    msg = rig.wait_status(conv_id, sent_id, "failed")
    assert error_text in (msg["error_message"] or "")
    rig.clock.advance(hours=2)
    rig.services.outbox.wake()
    rig.services.outbox.run_once()
    assert len(rig.sim_requests(platform)) == 1
    return msg


def quiet_person(silence: timedelta) -> Person:
    """A person of their own for each silence, so conversations don't share a window."""
    minutes = int(silence.total_seconds() // 60)
    return Person(number=5000 + minutes % 5000, name=f"Quiet {minutes}", handle=f"q{minutes}")


def reply_after(rig: Rig, platform: str, *, silence: timedelta) -> httpx.Response:
    """Someone new wrote `silence` ago (by the desk's frozen clock); an agent replies now."""
    person = quiet_person(silence)
    _, conv_id = rig.say(platform, text="Are you there?", at=rig.clock() - silence, person=person)
    return rig.reply(conv_id, "Sorry for the delay, here is the answer.")


def meta_window(rig: Rig, platform: str) -> None:
    """23:59 -> a standard reply; 24:01 -> HUMAN_AGENT tag; 7 d + 1 min -> refused."""
    fresh = reply_after(rig, platform, silence=timedelta(hours=23, minutes=59))
    assert fresh.status_code == 201, fresh.text
    (standard,) = rig.wait_sent(platform)
    assert standard["json"].get("messaging_type", "RESPONSE") == "RESPONSE"
    assert "tag" not in standard["json"]

    late = reply_after(rig, platform, silence=timedelta(hours=24, minutes=1))
    assert late.status_code == 201, late.text
    tagged = rig.wait_sent(platform, count=2)[1]
    assert tagged["json"].get("messaging_type", "MESSAGE_TAG") == "MESSAGE_TAG"
    assert tagged["json"]["tag"] == "HUMAN_AGENT"

    closed = reply_after(rig, platform, silence=timedelta(days=7, minutes=1))
    assert closed.status_code == 422
    assert "More than 7 days" in closed.json()["detail"]
    assert len(rig.sim_requests(platform)) == 2


def no_window(rig: Rig, platform: str) -> None:
    """Telegram and X have no reply window: a month-old conversation still gets a reply."""
    resp = reply_after(rig, platform, silence=timedelta(days=30))
    assert resp.status_code == 201, resp.text
    (record,) = rig.wait_sent(platform)
    assert record["status"] < 300
