"""The simulator plays a person tapping a quick reply, in each platform's real inbound shape;
dmdesk's connectors read the choice back (payload, or the typed title on X)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sim_testkit import ACCOUNTS, channel_config, connector

from dmdesk.domain.inbound import InboundMessage
from dmdesk.simulator.accounts import PLATFORMS
from dmdesk.simulator.people import build_webhook, tap
from dmdesk.simulator.script import Person

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ADA = Person(number=7, name="Ada Lovelace", handle="ada_l")
TARGET = {"whatsapp": "wamid.DESK0001", "telegram": f"{800_000_007}:55"}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_tap_parses_to_the_choice(platform: str) -> None:
    step = tap(
        ADA,
        seq=31,
        at=AT,
        title="Skincare",
        payload="FLOW_4_start_0",
        target_message_id=TARGET.get(platform),
    )
    hook = build_webhook(platform, step, accounts=ACCOUNTS)
    assert connector(platform).verify(hook.body, hook.headers, channel_config(platform))
    account = ACCOUNTS.get(platform).account_id
    (event,) = connector(platform).parse(hook.body, channel_account_id=account).events
    assert isinstance(event, InboundMessage)
    assert event.text == "Skincare"
    assert event.contact.external_id == ADA.platform_id(platform)
    choice = event.quick_reply_payload or event.postback_payload
    assert choice == (None if platform == "x" else "FLOW_4_start_0")
    if platform in TARGET:
        assert event.reply_to_message_id == TARGET[platform]
