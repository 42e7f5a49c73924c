"""The pure do-not-say checker: spans, word boundaries, phrases, patterns, verdicts."""

from __future__ import annotations

import pytest

from dmdesk.domain.errors import Invalid
from dmdesk.domain.governance import RuleSpec, check_text, compile_rule, verdict

RULES = [
    RuleSpec(1, "word", "cheap", "off-brand", "affordable", "warn"),
    RuleSpec(2, "phrase", "full refund", "needs a supervisor", None, "approval", "refunds"),
    RuleSpec(3, "regex", r"\bguarantee[sd]?\b", "legal", "we aim to", "block", "legal"),
]


def test_findings_carry_spans_and_reasons() -> None:
    text = "Cheap fix, we GUARANTEE a full   refund."
    found = check_text(text, RULES)
    assert [(f.rule_id, text[f.start : f.end]) for f in found] == [
        (1, "Cheap"),
        (3, "GUARANTEE"),
        (2, "full   refund"),
    ]
    assert found[1].alternative == "we aim to"


def test_words_respect_boundaries() -> None:
    assert check_text("cheapest", RULES[:1]) == []


def test_verdicts() -> None:
    assert verdict(check_text("cheap", RULES), author_needs_approval=False) == "send"
    assert verdict(check_text("a full refund", RULES), author_needs_approval=False) == "approval"
    assert verdict(check_text("guaranteed refund", RULES), author_needs_approval=False) == "block"
    assert verdict([], author_needs_approval=True) == "approval"


@pytest.mark.parametrize("pattern", ["(a+)+$", "(x*)*", "[unclosed", ""])
def test_dangerous_or_broken_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(Invalid):
        compile_rule("regex", pattern)
