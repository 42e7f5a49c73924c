"""Any person saying anything on any platform: the webhook verifies and parses back intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sim_testkit import ACCOUNTS, channel_config, connector

from dmdesk.domain.inbound import InboundMessage
from dmdesk.simulator.accounts import PLATFORMS
from dmdesk.simulator.people import build_webhook
from dmdesk.simulator.script import Person, ScriptStep

TEXTS = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(
    platform=st.sampled_from(PLATFORMS),
    number=st.integers(min_value=0, max_value=9999),
    text=TEXTS,
    seq=st.integers(min_value=1, max_value=10**6),
    seconds=st.integers(min_value=0, max_value=10**8),
)
def test_any_text_survives_signing_and_parsing(
    platform: str, number: int, text: str, seq: int, seconds: int
) -> None:
    at = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    person = Person(number=number, name="Sim Person", handle="sim_person")
    step = ScriptStep("text", person, seq, at, text)
    hook = build_webhook(platform, step, accounts=ACCOUNTS)
    assert connector(platform).verify(hook.body, hook.headers, channel_config(platform))
    account = ACCOUNTS.get(platform).account_id
    (event,) = connector(platform).parse(hook.body, channel_account_id=account).events
    assert isinstance(event, InboundMessage)
    assert event.text == text
    assert event.occurred_at == at
    assert event.contact.external_id == person.platform_id(platform)
