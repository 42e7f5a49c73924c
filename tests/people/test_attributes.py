"""Typed custom attributes: definitions and values are validated, errors name the field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmdesk.domain.attributes import AttributeSpec, check_spec, to_e164, validate_value
from dmdesk.domain.errors import Invalid
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.people.kit import contact_of, dm

NUMBER = AttributeSpec("ltv", "Lifetime value", "number")
CHOICE = AttributeSpec("tier", "Tier", "choice", ("gold", "silver"))


@pytest.mark.parametrize(
    ("spec", "raw", "expected"),
    [
        (NUMBER, "1,250.5", 1250.5),
        (NUMBER, 3, 3),
        (AttributeSpec("vip", "VIP", "bool"), "yes", True),
        (AttributeSpec("born", "Born", "date"), "1990-02-01", "1990-02-01"),
        (CHOICE, "gold", "gold"),
        (AttributeSpec("note", "Note", "text"), "  hi ", "hi"),
        (NUMBER, "", None),
    ],
)
def test_values_are_normalised(spec: AttributeSpec, raw: Any, expected: Any) -> None:
    assert validate_value(spec, raw) == expected


@pytest.mark.parametrize(
    ("spec", "raw"),
    [
        (NUMBER, "lots"),
        (NUMBER, True),
        (NUMBER, "nan"),
        (CHOICE, "bronze"),
        (AttributeSpec("vip", "VIP", "bool"), "maybe"),
        (AttributeSpec("d", "D", "date"), "2/1/90"),
        (AttributeSpec("r", "R", "text", required=True), " "),
    ],
)
def test_bad_values_are_refused_naming_the_field(spec: AttributeSpec, raw: Any) -> None:
    with pytest.raises(Invalid) as err:
        validate_value(spec, raw)
    assert err.value.field == spec.key


@pytest.mark.parametrize(
    "spec",
    [
        AttributeSpec("Bad Key", "x", "text"),
        AttributeSpec("k", "x", "colour"),
        AttributeSpec("k", "x", "choice"),
        AttributeSpec("k", "x", "text", ("a",)),
    ],
)
def test_bad_definitions_are_refused(spec: AttributeSpec) -> None:
    with pytest.raises(Invalid):
        check_spec(spec)


@given(st.text(max_size=30))
def test_text_values_never_crash(raw: str) -> None:
    field = None
    try:
        validate_value(NUMBER, raw)
    except Invalid as exc:
        field = exc.field
    assert field in (None, "ltv")
    e164 = to_e164(raw)
    assert e164 is None or e164.startswith("+")


def test_defining_and_setting_attributes_through_the_api(
    client: Any, services: Services, seeded: Seeded
) -> None:
    pid = contact_of(services, dm(services, seeded, "a1")).person_id
    body = {"key": "tier", "label": "Tier", "type": "choice", "choices": ["gold", "silver"]}
    assert client.post("/api/v1/attributes", json=body, headers=seeded.agent()).status_code == 403
    assert client.post("/api/v1/attributes", json=body, headers=seeded.admin()).status_code == 201
    ok = client.put(
        f"/api/v1/people/{pid}/attributes",
        json={"values": {"tier": "gold"}},
        headers=seeded.agent(),
    )
    assert ok.json() == {"tier": "gold"}
    bad = client.put(
        f"/api/v1/people/{pid}/attributes", json={"values": {"tier": "tin"}}, headers=seeded.agent()
    )
    assert bad.status_code == 400
    assert bad.json()["field"] == "tier"
    unknown = client.put(
        f"/api/v1/people/{pid}/attributes", json={"values": {"shoe": 42}}, headers=seeded.agent()
    )
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "shoe"
