"""Simulated people: their webhooks verify and parse with dmdesk's own connectors."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sim_testkit import ACCOUNTS, capture_desk, channel_config, connector

from dmdesk.domain.enums import DeliveryStatus
from dmdesk.domain.inbound import DeliveryUpdate, InboundMessage, InboundReaction
from dmdesk.simulator.accounts import PLATFORMS
from dmdesk.simulator.people import (
    SCRIPTS,
    build_status_webhook,
    build_webhook,
    conversation,
    supports,
)
from dmdesk.simulator.runner import plan_traffic, run_traffic, start_traffic_thread
from dmdesk.simulator.script import Person, message_id

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ADA = Person(number=7, name="Ada Lovelace", handle="ada_l")


def _parse(platform: str, body: bytes) -> list[object]:
    account = ACCOUNTS.get(platform).account_id
    return list(connector(platform).parse(body, channel_account_id=account).events)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
@pytest.mark.parametrize("platform", PLATFORMS)
def test_script_webhooks_verify_and_parse(platform: str, script: str) -> None:
    config = channel_config(platform)
    for step in conversation(script, ADA, start=START, first_seq=10):
        if not supports(platform, step.kind):
            continue
        hook = build_webhook(platform, step, accounts=ACCOUNTS)
        assert connector(platform).verify(hook.body, hook.headers, config)
        (event,) = _parse(platform, hook.body)
        assert event.account_id == ACCOUNTS.get(platform).account_id
        assert event.occurred_at == step.at
        if step.kind == "reaction":
            assert isinstance(event, InboundReaction)
            assert event.emoji == step.emoji
            assert event.message_id.endswith(message_id(platform, step.seq - 1))
        else:
            assert isinstance(event, InboundMessage)
            assert event.text == step.text
            assert event.contact.external_id == ADA.platform_id(platform)
            assert len(event.attachments) == (1 if step.kind == "image" else 0)


def test_instagram_story_reply_carries_the_story() -> None:
    (step,) = conversation("story_reply", ADA, start=START, first_seq=3)
    (event,) = _parse("instagram", build_webhook("instagram", step, accounts=ACCOUNTS).body)
    assert isinstance(event, InboundMessage)
    assert (event.story_id, event.story_url) == (step.story_id(), step.story_url())


def test_paths_and_tampering() -> None:
    (step,) = conversation("phishing_attempt", ADA, start=START, first_seq=1)
    telegram = build_webhook("telegram", step, accounts=ACCOUNTS)
    assert telegram.path == "/webhooks/telegram/42"
    messenger = build_webhook("messenger", step, accounts=ACCOUNTS)
    assert messenger.path == "/webhooks/messenger"
    tampered = messenger.body.replace(b"Verify", b"Verity")
    assert not connector("messenger").verify(
        tampered, messenger.headers, channel_config("messenger")
    )


def test_x_has_no_dm_reactions() -> None:
    reaction = conversation("reaction", ADA, start=START, first_seq=1)[1]
    assert not supports("x", "reaction")
    with pytest.raises(ValueError, match="does not deliver reaction"):
        build_webhook("x", reaction, accounts=ACCOUNTS)


@pytest.mark.parametrize(
    ("platform", "status", "expected"),
    [
        ("messenger", "delivered", DeliveryStatus.DELIVERED),
        ("messenger", "read", DeliveryStatus.READ),
        ("instagram", "read", DeliveryStatus.READ),
        ("whatsapp", "delivered", DeliveryStatus.DELIVERED),
        ("whatsapp", "read", DeliveryStatus.READ),
        ("x", "read", DeliveryStatus.READ),
    ],
)
def test_status_webhooks_become_delivery_updates(
    platform: str, status: str, expected: DeliveryStatus
) -> None:
    recipient = ADA.platform_id(platform)
    hook = build_status_webhook(
        platform,
        accounts=ACCOUNTS,
        recipient_id=recipient,
        message_id="sent-1",
        status=status,
        at=START,
    )  # type: ignore[arg-type]
    assert hook is not None
    assert connector(platform).verify(hook.body, hook.headers, channel_config(platform))
    (event,) = _parse(platform, hook.body)
    assert isinstance(event, DeliveryUpdate)
    assert (event.status, event.contact_external_id) == (expected, recipient)
    assert event.message_ids == ("sent-1",) or event.watermark == START


@pytest.mark.parametrize(
    ("platform", "status"), [("telegram", "read"), ("instagram", "delivered"), ("x", "delivered")]
)
def test_platforms_without_that_receipt_build_none(platform: str, status: str) -> None:
    assert (
        build_status_webhook(
            platform, accounts=ACCOUNTS, recipient_id="1", message_id="m", status=status, at=START
        )
        is None
    )  # type: ignore[arg-type]


def test_plan_is_deterministic_and_messy_on_purpose() -> None:
    plan = plan_traffic(
        accounts=ACCOUNTS, start=START, seed=3, duplicate_rate=0.3, reorder_rate=0.3
    )
    assert plan == plan_traffic(
        accounts=ACCOUNTS, start=START, seed=3, duplicate_rate=0.3, reorder_rate=0.3
    )
    assert {p.platform for p in plan} == set(PLATFORMS)
    assert {p.script for p in plan} == set(SCRIPTS)
    duplicates = [p for p in plan if p.duplicate]
    assert duplicates
    originals = {p.webhook.body for p in plan if not p.duplicate}
    assert all(d.webhook.body in originals for d in duplicates)
    times = [p.step.at for p in plan]
    assert times != sorted(times), "some deliveries must arrive out of order"
    clean = plan_traffic(accounts=ACCOUNTS, start=START, seed=3, duplicate_rate=0, reorder_rate=0)
    assert not any(p.duplicate for p in clean)
    assert [p.step.at for p in clean] == sorted(p.step.at for p in clean)


def test_run_traffic_posts_every_planned_webhook() -> None:
    plan = plan_traffic(
        accounts=ACCOUNTS,
        start=START,
        platforms=["whatsapp", "telegram"],
        scripts=["late_order", "complaint"],
        seed=1,
        duplicate_rate=0.5,
    )
    pauses: list[float] = []

    async def no_wait(seconds: float) -> None:
        pauses.append(seconds)

    with capture_desk() as desk:
        report = asyncio.run(run_traffic(plan, base_url=desk.base_url, rate_per_s=4, sleep=no_wait))
    assert report.posted == len(plan) == len(desk.received)
    assert report.statuses == {200: len(plan)}
    assert pauses == [0.25] * len(plan)
    assert [r.body for r in desk.received] == [p.webhook.body for p in plan]
    assert {r.path for r in desk.received} == {"/webhooks/whatsapp", "/webhooks/telegram/42"}


def test_traffic_thread_reports_when_joined() -> None:
    plan = plan_traffic(
        accounts=ACCOUNTS, start=START, platforms=["x"], scripts=["pricing_question"]
    )
    with capture_desk() as desk:
        thread, report = start_traffic_thread(plan, base_url=desk.base_url, rate_per_s=1000)
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert report.posted == len(plan) == len(desk.received) == 2
