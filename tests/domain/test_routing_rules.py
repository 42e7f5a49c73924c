"""Routing rules: every condition kind, grouping, first match wins, storage round trip."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from dmdesk.domain.enums import Category, Platform, Priority
from dmdesk.domain.routing_rules import (
    RoutingInput,
    RoutingRule,
    RuleActions,
    RuleBook,
    route,
)

MESSAGE = RoutingInput(
    channel="ig-brand",
    platform=Platform.INSTAGRAM,
    category=Category.COMPLAINT,
    priority=Priority.HIGH,
    language="en-GB",
    tags=frozenset({"VIP", "returning"}),
    contact={"followers": 25_000, "plan": "Pro", "verified": True, "city": "Leeds"},
    text="My order #123 never arrived, I want a refund!",
)


def rule(condition: dict[str, Any], rule_id: str = "r") -> RoutingRule:
    return RoutingRule.model_validate(
        {"id": rule_id, "conditions": [condition], "actions": {"team": "t"}}
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"kind": "channel", "values": ["IG-Brand", "wa-main"]}, True),
        ({"kind": "channel", "values": ["wa-main"]}, False),
        ({"kind": "platform", "values": ["instagram"]}, True),
        ({"kind": "platform", "values": ["whatsapp", "x"]}, False),
        ({"kind": "category", "values": ["complaint", "support"]}, True),
        ({"kind": "category", "values": ["sales"]}, False),
        ({"kind": "priority", "values": ["high"]}, True),
        ({"kind": "priority", "values": ["urgent"]}, False),
        ({"kind": "language", "values": ["en"]}, True),
        ({"kind": "language", "values": ["en-US", "fr"]}, False),
        ({"kind": "tags", "tags": ["vip", "new"]}, True),
        ({"kind": "tags", "match": "all", "tags": ["vip", "returning"]}, True),
        ({"kind": "tags", "match": "all", "tags": ["vip", "new"]}, False),
        ({"kind": "tags", "match": "none", "tags": ["spam"]}, True),
        ({"kind": "tags", "match": "none", "tags": ["vip"]}, False),
        ({"kind": "contact", "key": "plan", "values": ["pro", "enterprise"]}, True),
        ({"kind": "contact", "key": "plan", "values": ["free"]}, False),
        ({"kind": "contact", "key": "verified", "values": ["true"]}, True),
        ({"kind": "contact", "key": "city", "op": "exists"}, True),
        ({"kind": "contact", "key": "email", "op": "exists"}, False),
        ({"kind": "contact", "key": "city", "op": "contains", "values": ["eed"]}, True),
        ({"kind": "contact", "key": "followers", "op": "at_least", "values": ["10000"]}, True),
        ({"kind": "contact", "key": "followers", "op": "at_most", "values": ["10000"]}, False),
        ({"kind": "contact", "key": "plan", "op": "at_least", "values": ["1"]}, False),
        ({"kind": "contact", "key": "verified", "op": "at_least", "values": ["0"]}, False),
        ({"kind": "text_contains", "any_of": ["REFUND", "chargeback"]}, True),
        ({"kind": "text_contains", "any_of": ["REFUND"], "case_sensitive": True}, False),
        ({"kind": "text_regex", "pattern": r"order #\d+"}, True),
        ({"kind": "text_regex", "pattern": r"ORDER #\d+", "ignore_case": False}, False),
        ({"kind": "not", "condition": {"kind": "priority", "values": ["low"]}}, True),
        (
            {
                "kind": "any",
                "conditions": [
                    {"kind": "priority", "values": ["low"]},
                    {"kind": "tags", "tags": ["vip"]},
                ],
            },
            True,
        ),
        (
            {
                "kind": "all",
                "conditions": [
                    {"kind": "priority", "values": ["low"]},
                    {"kind": "tags", "tags": ["vip"]},
                ],
            },
            False,
        ),
    ],
)
def test_each_condition_kind(condition: dict[str, Any], expected: bool) -> None:
    assert rule(condition).matches(MESSAGE) is expected


def test_missing_fields_never_match() -> None:
    bare = RoutingInput()
    for condition in (
        {"kind": "language", "values": ["en"]},
        {"kind": "category", "values": ["spam"]},
        {"kind": "contact", "key": "plan", "values": ["pro"]},
        {"kind": "text_contains", "any_of": ["refund"]},
    ):
        assert not rule(condition).matches(bare)


def test_first_enabled_match_wins_and_names_the_rule() -> None:
    book = RuleBook(
        rules=(
            rule({"kind": "platform", "values": ["whatsapp"]}, "whatsapp"),
            rule({"kind": "tags", "tags": ["vip"]}, "vip").model_copy(update={"enabled": False}),
            RoutingRule(
                id="complaints",
                name="Complaints to care",
                match="any",
                conditions=rule({"kind": "category", "values": ["complaint"]}).conditions
                + rule({"kind": "category", "values": ["spam"]}).conditions,
                actions=RuleActions(team="care", priority=Priority.URGENT, add_tags=("angry",)),
            ),
            RoutingRule(id="catch-all", actions=RuleActions(team="general")),
        )
    )
    decision = route(book, MESSAGE)
    assert (decision.rule_id, decision.rule_name, decision.evaluated) == (
        "complaints",
        "Complaints to care",
        2,
    )
    assert decision.actions == RuleActions(
        team="care", priority=Priority.URGENT, add_tags=("angry",)
    )
    fallback = route(book.rules, RoutingInput(platform=Platform.X))
    assert (fallback.rule_id, fallback.actions.team) == ("catch-all", "general")
    nothing = route(book.rules[:2], RoutingInput())
    assert (nothing.rule_id, nothing.actions, nothing.evaluated) == (None, RuleActions(), 1)


def test_rules_round_trip_through_json() -> None:
    book = RuleBook(
        rules=(
            rule({"kind": "not", "condition": {"kind": "text_regex", "pattern": "a+b"}}, "a"),
            rule({"kind": "contact", "key": "plan", "op": "exists"}, "b"),
        )
    )
    assert RuleBook.model_validate_json(book.model_dump_json()) == book


@pytest.mark.parametrize(
    "condition",
    [
        {"kind": "category", "values": ["nonsense"]},
        {"kind": "priority", "values": []},
        {"kind": "text_regex", "pattern": "(unclosed"},
        {"kind": "contact", "key": "followers", "op": "at_least", "values": ["many"]},
        {"kind": "contact", "key": "plan", "op": "one_of"},
        {"kind": "any", "conditions": []},
        {"kind": "shoe_size", "values": ["9"]},
    ],
)
def test_invalid_conditions_are_rejected(condition: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        rule(condition)


def test_rule_ids_are_unique() -> None:
    with pytest.raises(ValidationError, match="unique"):
        RuleBook(rules=(RoutingRule(id="a"), RoutingRule(id="a")))
