"""Do-not-say rules: a pure checker returning findings with spans, and the send verdict."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from dmdesk.domain.errors import Invalid

Kind = Literal["word", "phrase", "regex"]
Effect = Literal["block", "approval", "warn"]
KINDS = ("word", "phrase", "regex")
EFFECTS = ("block", "approval", "warn")
MAX_PATTERN = 300
# Nested quantifiers such as (a+)+ backtrack catastrophically; refuse them up front.
_NESTED = re.compile(r"\([^)]*[+*}][^)]*\)\s*[+*{]")


@dataclass(frozen=True)
class RuleSpec:
    id: int
    kind: str
    pattern: str
    reason: str = ""
    alternative: str | None = None
    effect: str = "block"
    topic: str | None = None


@dataclass(frozen=True)
class Finding:
    rule_id: int
    start: int
    end: int
    matched: str
    reason: str
    alternative: str | None
    effect: str
    topic: str | None


def compile_rule(kind: str, pattern: str) -> re.Pattern[str]:
    """The regex for a rule; raises Invalid for an unusable or dangerous pattern."""
    pattern = pattern.strip()
    if kind not in KINDS:
        raise Invalid("kind must be word, phrase or regex", field="kind")
    if not pattern or len(pattern) > MAX_PATTERN:
        raise Invalid(f"a pattern has 1 to {MAX_PATTERN} characters", field="pattern")
    if kind == "regex":
        if _NESTED.search(pattern):
            raise Invalid("nested repetition is not allowed in a pattern", field="pattern")
        source = pattern
    else:
        words = [re.escape(w) for w in pattern.split()]
        source = r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise Invalid(f"not a valid pattern: {exc}", field="pattern") from exc


def check_text(text: str, rules: Iterable[RuleSpec]) -> list[Finding]:
    """Every match of every rule, ordered by position."""
    found: list[Finding] = []
    for rule in rules:
        try:
            regex = compile_rule(rule.kind, rule.pattern)
        except Invalid:
            continue
        found.extend(
            Finding(
                rule.id,
                m.start(),
                m.end(),
                m.group(0),
                rule.reason,
                rule.alternative,
                rule.effect,
                rule.topic,
            )
            for m in regex.finditer(text)
            if m.end() > m.start()
        )
    return sorted(found, key=lambda f: (f.start, f.rule_id))


def verdict(findings: Sequence[Finding], *, author_needs_approval: bool) -> str:
    """'block' beats 'approval' beats 'send'; warnings never stop a reply."""
    effects = {f.effect for f in findings}
    if "block" in effects:
        return "block"
    if "approval" in effects or author_needs_approval:
        return "approval"
    return "send"
