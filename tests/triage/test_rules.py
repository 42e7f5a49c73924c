"""Workspace rules: precedence over the model, under spam, and priority overrides."""

from __future__ import annotations

from dmdesk.domain.enums import Category, Priority
from dmdesk.domain.triage import KeywordRule
from dmdesk.triage.engine import TriageEngine
from dmdesk.triage.rules import match_rules, rule_from_dict

CAMPAIGN = KeywordRule("summer campaign", ("SUNNY24", "summer drop"), category=Category.SALES)


def test_rule_beats_the_model(engine: TriageEngine) -> None:
    verdict = engine.classify("thanks for the SUNNY24 email!", rules=[CAMPAIGN])
    assert verdict.category is Category.SALES
    assert verdict.category_reasons == ("rule 'summer campaign': SUNNY24",)
    assert verdict.rule_hits[0].rule == "summer campaign"


def test_whole_words_only() -> None:
    assert match_rules("summer dropping soon", [CAMPAIGN]) == ()
    assert match_rules("the SUMMER   drop is here", [CAMPAIGN])[0].keyword == "summer drop"


def test_first_rule_wins() -> None:
    other = KeywordRule("vip", ("sunny24",), category=Category.SUPPORT)
    hits = match_rules("SUNNY24", [other, CAMPAIGN])
    assert [h.rule for h in hits] == ["vip", "summer campaign"]


def test_spam_beats_a_rule_unless_overridden(engine: TriageEngine) -> None:
    text = "SUNNY24 winner! verify your account at paypa1.com to claim"
    assert engine.classify(text, rules=[CAMPAIGN]).category is Category.SPAM
    trusted = KeywordRule("trusted", ("SUNNY24",), category=Category.SALES, override_spam=True)
    assert engine.classify(text, rules=[trusted]).category is Category.SALES


def test_rule_priority(engine: TriageEngine) -> None:
    vip = KeywordRule("vip", ("order 99",), priority=Priority.URGENT)
    verdict = engine.classify("hello, about order 99", rules=[vip])
    assert verdict.priority is Priority.URGENT
    assert any("rule 'vip'" in r for r in verdict.priority_reasons)


def test_rule_from_plain_data() -> None:
    rule = rule_from_dict({"name": "x", "keywords": "a, b", "category": "sales"})
    assert rule.keywords == ("a", "b")
    assert rule.category is Category.SALES
