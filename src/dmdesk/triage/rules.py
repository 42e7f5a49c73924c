"""Workspace keyword rules: plain-data definitions matched as whole words or phrases.

Precedence: rules are tried in the order given and the first one that sets a category wins;
a rule's category beats the model, and spam found by links or bait beats a rule unless the
rule says `override_spam`. Priority from a rule replaces the computed priority.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from dmdesk.domain.enums import Category, Priority
from dmdesk.domain.triage import KeywordRule, RuleHit
from dmdesk.triage.normalize import fold_confusables


@lru_cache(maxsize=1024)
def _pattern(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in fold_confusables(keyword).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def rule_from_dict(data: Mapping[str, Any]) -> KeywordRule:
    """A rule from the settings page's stored JSON: name, keywords, category?, priority?."""
    keywords = data.get("keywords", ())
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    category = data.get("category")
    priority = data.get("priority")
    return KeywordRule(
        name=str(data.get("name", "rule")),
        keywords=tuple(str(k).strip() for k in keywords if str(k).strip()),
        category=Category(category) if category else None,
        priority=Priority(priority) if priority else None,
        override_spam=bool(data.get("override_spam", False)),
    )


def match_rules(text: str, rules: Sequence[KeywordRule]) -> tuple[RuleHit, ...]:
    """Every rule with a keyword in the text, in rule order, with the keyword that matched."""
    if not rules or not text:
        return ()
    folded = fold_confusables(text[:5000])
    hits = []
    for rule in rules:
        for keyword in rule.keywords:
            if keyword.strip() and _pattern(keyword).search(folded):
                hits.append(RuleHit(rule.name, keyword, rule.category, rule.priority))
                break
    return tuple(hits)


def rule_category(hits: Sequence[RuleHit]) -> RuleHit | None:
    return next((h for h in hits if h.category is not None), None)


def rule_priority(hits: Sequence[RuleHit]) -> RuleHit | None:
    return next((h for h in hits if h.priority is not None), None)


def overrides_spam(hit: RuleHit, rules: Sequence[KeywordRule]) -> bool:
    return any(r.name == hit.rule and r.override_spam for r in rules)
