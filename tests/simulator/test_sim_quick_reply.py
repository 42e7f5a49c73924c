"""The simulator plays a person tapping a quick reply, in each platform's real inbound shape;
dmdesk's connectors read the choice back (payload, or the typed title on X)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sim_testkit import ACCOUNTS, capture_desk, channel_config, connector

from dmdesk.domain.clock import FrozenClock
from dmdesk.domain.inbound import InboundMessage
from dmdesk.domain.outbound import OutboundMessage, QuickReply
from dmdesk.simulator.accounts import PLATFORMS
from dmdesk.simulator.people import build_webhook, tap
from dmdesk.simulator.script import Person
from dmdesk.simulator.server import SimulatorConfig, create_app

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


RECIPIENTS = {
    "messenger": "2000000000000001",
    "instagram": "1100000000000001",
    "whatsapp": "15550100002",
    "telegram": "700000001",
    "x": "2000000000000000002",
}
CHOICES = (QuickReply("Skincare", "FLOW_4_start_0"), QuickReply("Haircare", "FLOW_4_start_1"))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_simulated_person_taps_what_the_desk_offered(platform: str) -> None:
    with capture_desk() as desk:
        config = SimulatorConfig(
            desk_base_url=desk.base_url, accounts=ACCOUNTS, receipts=(), clock=FrozenClock(AT)
        )
        with TestClient(create_app(config), base_url="http://sim.test") as sim:
            none_yet = sim.post("/_sim/tap", json={"platform": platform})
            assert none_yet.status_code == 404
            message = OutboundMessage(
                recipient_id=RECIPIENTS[platform], text="Which guide?", quick_replies=CHOICES
            )
            channel = channel_config(platform, api_base_url=f"http://sim.test/{platform}")
            account = ACCOUNTS.get(platform).account_id
            sent = connector(platform).send(sim, channel, account_id=account, message=message)
            assert sent.ok
            tapped = sim.post("/_sim/tap", json={"platform": platform, "choice": 1})
            assert tapped.status_code == 200, tapped.text
            assert (
                sim.post("/_sim/tap", json={"platform": platform, "choice": 5}).status_code == 404
            )
    (hook,) = desk.received
    assert connector(platform).verify(hook.body, hook.headers, channel_config(platform))
    (event,) = connector(platform).parse(hook.body, channel_account_id=account).events
    assert isinstance(event, InboundMessage)
    assert event.contact.external_id == RECIPIENTS[platform]
    assert event.text == "Haircare"
    if platform == "x":
        assert event.quick_reply_payload is None  # a numbered list: the title is typed
    else:
        assert (event.quick_reply_payload or event.postback_payload) == "FLOW_4_start_1"
        if platform != "messenger" and platform != "instagram":
            assert event.reply_to_message_id == sent.platform_message_id
