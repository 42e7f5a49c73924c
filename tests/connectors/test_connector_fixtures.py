"""Every webhook fixture (shared reference + team-written) parses to its expected events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from connector_testkit import (
    PLATFORMS,
    REFERENCE,
    SKIP_REASON,
    expected_path,
    make_connector,
    normalise,
    reference_fixtures,
    team_fixtures,
)

from dmdesk.connectors.base import PayloadError
from dmdesk.connectors.registry import get_connector
from dmdesk.domain.inbound import from_json


def _cases() -> list[object]:
    cases: list[object] = []
    for platform in PLATFORMS:
        cases += [
            pytest.param(platform, p, id=f"{platform}/{p.stem}")
            for p in reference_fixtures(platform)
        ]
        cases += [
            pytest.param(platform, p, id=f"{platform}/team/{p.stem}")
            for p in team_fixtures(platform)
        ]
    return cases


@pytest.mark.parametrize(("platform", "fixture"), _cases())
def test_fixture_parses_to_expected_events(platform: str, fixture: Path) -> None:
    expected_file = expected_path(platform, fixture)
    assert expected_file.exists(), f"write {expected_file.name} by hand for {fixture.name}"
    connector = make_connector(platform)
    actual = normalise(connector, fixture.read_bytes(), platform)
    assert actual == json.loads(expected_file.read_text())


@pytest.mark.parametrize(("platform", "fixture"), _cases())
def test_events_survive_json_round_trip(platform: str, fixture: Path) -> None:
    result = make_connector(platform).parse(fixture.read_bytes(), channel_account_id="7100000001")
    for event in result.events:
        assert from_json(event.to_json()) == event


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=SKIP_REASON)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_reference_fixture_has_an_expected_file(platform: str) -> None:
    fixtures = reference_fixtures(platform)
    assert fixtures, f"no reference fixtures for {platform}"
    missing = [p.name for p in fixtures if not expected_path(platform, p).exists()]
    assert missing == []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_registry_serves_each_platform(platform: str) -> None:
    connector = get_connector(platform)
    assert connector.platform == platform
    assert set(connector.secret_fields) <= set(connector.config_model.model_fields)
    assert connector.routing == ("path" if platform == "telegram" else "payload")


@pytest.mark.parametrize(
    ("platform", "body", "message"),
    [
        ("messenger", b"{not json", "not valid JSON"),
        ("messenger", b'{"object": "instagram", "entry": []}', "expected 'page'"),
        ("instagram", b'{"object": "instagram", "entry": "nope"}', "entry"),
        (
            "messenger",
            b'{"object": "page", "entry": [{"id": "1", "messaging": [{"sender": '
            b'{"id": "2"}, "recipient": {"id": "1"}, "timestamp": 1, "message": {"text": "x"}}]}]}',
            "entry.0.messaging.0.message.mid",
        ),
        (
            "whatsapp",
            b'{"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": '
            b'[{"field": "messages", "value": {"messages": []}}]}]}',
            "metadata",
        ),
        ("telegram", b'{"update_id": 1}', "exactly one object"),
        ("telegram", b'{"update_id": 1, "message": {"message_id": 1}}', "message.chat"),
        ("x", b'{"direct_message_events": []}', "for_user_id"),
        ("x", b'{"for_user_id": "1", "direct_message_events": {"a": 1}}', "direct_message_events"),
    ],
)
def test_malformed_bodies_raise_payload_error_naming_the_field(
    platform: str, body: bytes, message: str
) -> None:
    with pytest.raises(PayloadError, match=message):
        make_connector(platform).parse(body, channel_account_id="7100000001")


def test_ids_sent_as_numbers_become_strings() -> None:
    fixture = Path(__file__).parent / "messenger" / "message__sticker_and_location.json"
    result = make_connector("messenger").parse(fixture.read_bytes())
    (event,) = result.events
    assert event.account_id == "100000000000001"
    assert event.to_json()["contact"]["external_id"] == "2000000000000001"


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=SKIP_REASON)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_no_expected_file_outlives_its_fixture(platform: str) -> None:
    fixtures = {p.stem for p in reference_fixtures(platform) + team_fixtures(platform)}
    folder = Path(__file__).parent / platform
    stale = [
        p.name
        for p in folder.glob("*.expected.json")
        if p.name.removesuffix(".expected.json") not in fixtures
    ]
    assert stale == []
