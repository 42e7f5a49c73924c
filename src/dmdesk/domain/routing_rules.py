"""Routing rules as data: conditions on a conversation lead to a team, a priority and
tags. The first enabled rule that matches decides, and the decision names it for the log."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dmdesk.domain.assignment import language_matches
from dmdesk.domain.enums import Category, Platform, Priority

# Regexes are written by workspace admins; bounding the text bounds the cost of a bad one.
MAX_MATCHED_TEXT = 10_000
AttributeValue = str | int | float | bool | None


@dataclass(frozen=True)
class RoutingInput:
    """What rules look at: one conversation (or its newest inbound message)."""

    channel: str | None = None
    platform: Platform | None = None
    category: Category | None = None
    priority: Priority | None = None
    language: str | None = None
    tags: frozenset[str] = frozenset()
    contact: Mapping[str, AttributeValue] = field(default_factory=dict)
    text: str = ""


class _Condition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_ENUMS: dict[str, type[Platform] | type[Category] | type[Priority]] = {
    "platform": Platform,
    "category": Category,
    "priority": Priority,
}


class FieldIn(_Condition):
    """The conversation's channel, platform, category, priority or language is one of
    `values`. A language value "en" also matches "en-GB"."""

    kind: Literal["channel", "platform", "category", "priority", "language"]
    values: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_values(self) -> FieldIn:
        enum = _ENUMS.get(self.kind)
        known = {member.value for member in enum} if enum else None
        if known is not None and not set(self.values) <= known:
            raise ValueError(f"unknown {self.kind} in {sorted(set(self.values) - known)}")
        return self

    def matches(self, item: RoutingInput) -> bool:
        actual = getattr(item, self.kind)
        if actual is None:
            return False
        if self.kind == "language":
            return any(language_matches(value, actual) for value in self.values)
        return str(actual).lower() in {value.lower() for value in self.values}


class TagsMatch(_Condition):
    kind: Literal["tags"]
    match: Literal["any", "all", "none"] = "any"
    tags: tuple[str, ...] = Field(min_length=1)

    def matches(self, item: RoutingInput) -> bool:
        have = {tag.lower() for tag in item.tags}
        wanted = {tag.lower() for tag in self.tags}
        if self.match == "all":
            return wanted <= have
        hit = bool(wanted & have)
        return hit if self.match == "any" else not hit


class ContactAttribute(_Condition):
    """A contact attribute exists, equals (case-insensitively) one of `values`, contains
    one of them, or compares as a number (`at_least`/`at_most` the single value)."""

    kind: Literal["contact"]
    key: str = Field(min_length=1)
    op: Literal["exists", "one_of", "contains", "at_least", "at_most"] = "one_of"
    values: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _values_fit_op(self) -> ContactAttribute:
        if self.op in ("at_least", "at_most"):
            if len(self.values) != 1:
                raise ValueError(f"{self.op} takes exactly one value")
            float(self.values[0])
        elif self.op != "exists" and not self.values:
            raise ValueError(f"{self.op} needs values")
        return self

    def matches(self, item: RoutingInput) -> bool:
        value = item.contact.get(self.key)
        if value is None:
            return False
        if self.op in ("at_least", "at_most"):
            number = _number(value)
            if number is None:
                return False
            limit = float(self.values[0])
            return number >= limit if self.op == "at_least" else number <= limit
        text = str(value).lower()
        wanted = [v.lower() for v in self.values]
        if self.op == "one_of":
            return text in wanted
        return self.op == "exists" or any(v in text for v in wanted)


def _number(value: AttributeValue) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except ValueError:
        return None


class TextContains(_Condition):
    kind: Literal["text_contains"]
    any_of: tuple[str, ...] = Field(min_length=1)
    case_sensitive: bool = False

    def matches(self, item: RoutingInput) -> bool:
        text = item.text if self.case_sensitive else item.text.casefold()
        needles = self.any_of if self.case_sensitive else [n.casefold() for n in self.any_of]
        return any(needle in text for needle in needles)


class TextMatches(_Condition):
    kind: Literal["text_regex"]
    pattern: str = Field(min_length=1, max_length=500)
    ignore_case: bool = True

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        return value

    def matches(self, item: RoutingInput) -> bool:
        flags = re.IGNORECASE if self.ignore_case else 0
        return re.search(self.pattern, item.text[:MAX_MATCHED_TEXT], flags) is not None


class Group(_Condition):
    """All of, or any of, nested conditions."""

    kind: Literal["all", "any"]
    conditions: tuple[Condition, ...] = Field(min_length=1)

    def matches(self, item: RoutingInput) -> bool:
        results = (condition.matches(item) for condition in self.conditions)
        return all(results) if self.kind == "all" else any(results)


class Not(_Condition):
    kind: Literal["not"]
    condition: Condition

    def matches(self, item: RoutingInput) -> bool:
        return not self.condition.matches(item)


Condition = Annotated[
    FieldIn | TagsMatch | ContactAttribute | TextContains | TextMatches | Group | Not,
    Field(discriminator="kind"),
]
Group.model_rebuild()
Not.model_rebuild()


class RuleActions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str | None = None
    priority: Priority | None = None
    add_tags: tuple[str, ...] = ()


class RoutingRule(BaseModel):
    """A rule matches when all (or any) of its conditions do; no conditions: always."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str = ""
    enabled: bool = True
    match: Literal["all", "any"] = "all"
    conditions: tuple[Condition, ...] = ()
    actions: RuleActions = RuleActions()

    def matches(self, item: RoutingInput) -> bool:
        if not self.conditions:
            return True
        results = (condition.matches(item) for condition in self.conditions)
        return all(results) if self.match == "all" else any(results)


class RuleBook(BaseModel):
    """A workspace's rules in evaluation order, as stored and edited."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[RoutingRule, ...] = ()

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: tuple[RoutingRule, ...]) -> tuple[RoutingRule, ...]:
        ids = [rule.id for rule in rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        return rules


@dataclass(frozen=True)
class RoutingDecision:
    """What routing decided and why: the rule that matched (None: no rule did)."""

    rule_id: str | None
    rule_name: str | None
    actions: RuleActions
    evaluated: int  # enabled rules looked at, the matching one included


def route(rules: Sequence[RoutingRule] | RuleBook, item: RoutingInput) -> RoutingDecision:
    """The first enabled rule that matches `item` decides; disabled rules are skipped."""
    ordered = rules.rules if isinstance(rules, RuleBook) else rules
    evaluated = 0
    for rule in ordered:
        if not rule.enabled:
            continue
        evaluated += 1
        if rule.matches(item):
            return RoutingDecision(rule.id, rule.name, rule.actions, evaluated)
    return RoutingDecision(None, None, RuleActions(), evaluated)
