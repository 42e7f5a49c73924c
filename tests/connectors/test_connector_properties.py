"""Mutated fixtures never crash parse(): it returns a ParseResult or raises PayloadError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from connector_testkit import (
    PLATFORMS,
    account_hint,
    make_connector,
    reference_fixtures,
    team_fixtures,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmdesk.connectors.base import ParseResult, PayloadError

Path_ = tuple[str | int, ...]

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: Path_ = ()) -> list[Path_]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _mutate(doc: Any, path: Path_, operation: str, replacement: Any) -> Any:
    if not path:
        return replacement
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if operation == "drop":
        del parent[last]
    elif operation == "stringify":
        parent[last] = json.dumps(parent[last])
    else:
        parent[last] = replacement
    return doc


def _bodies(platform: str) -> list[bytes]:
    return [p.read_bytes() for p in reference_fixtures(platform) + team_fixtures(platform)]


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parse_raises_only_payload_error(platform: str, data: st.DataObject) -> None:
    bodies = _bodies(platform)
    body = data.draw(st.sampled_from(bodies))
    doc = json.loads(body)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(doc)
        path = data.draw(st.sampled_from(paths))
        operation = data.draw(st.sampled_from(["drop", "replace", "stringify"]))
        if operation == "drop" and not path:
            continue
        doc = _mutate(doc, path, operation, data.draw(JSON_VALUES))
    mutated = json.dumps(doc).encode()
    if data.draw(st.booleans()):
        mutated = mutated[: data.draw(st.integers(min_value=0, max_value=len(mutated)))]
    _assert_parse_is_total(platform, mutated)


def _assert_parse_is_total(platform: str, body: bytes) -> None:
    outcome: ParseResult | PayloadError
    try:
        outcome = make_connector(platform).parse(body, channel_account_id=account_hint(platform))
    except PayloadError as exc:
        outcome = exc
    if isinstance(outcome, PayloadError):
        assert str(outcome), "a PayloadError must say what is wrong"
        return
    assert isinstance(outcome, ParseResult)
    for event in outcome.events:
        assert isinstance(event.account_id, str)
        assert event.to_json()["kind"] == event.kind
        assert event.dedupe_key


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("body", [b"", b"null", b"[]", b"42", b'"x"', b"\xff\xfe", b"{}"])
def test_degenerate_bodies_are_payload_errors(platform: str, body: bytes) -> None:
    with pytest.raises(PayloadError):
        make_connector(platform).parse(body, channel_account_id=account_hint(platform))


def test_the_property_test_has_fixtures_to_mutate() -> None:
    assert all(_bodies(platform) for platform in PLATFORMS), "team fixtures must exist"
    assert Path(__file__).parent.joinpath("x").is_dir()
