"""The fast engine gives the verdict of the plain, one-step-at-a-time reference path.

The reference is the engine as it was before the speed work: the original feature extractor
(kept here verbatim), the model's own `vector`/`proba`/`explain`, and the original precedence.
It runs on whatever model is shipped, so a retrained model cannot break the comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

import pytest

from dmdesk.domain.enums import Category, Priority
from dmdesk.domain.triage import KeywordRule, RuleHit, SpamVerdict, TriageVerdict
from dmdesk.triage import rules as rules_step
from dmdesk.triage.category import CategoryGuess, guess_category
from dmdesk.triage.engine import CATEGORY_SPAM_SHARE, TriageEngine
from dmdesk.triage.features import LEXICON, analyze
from dmdesk.triage.language import detect_language
from dmdesk.triage.links import find_links
from dmdesk.triage.pii import find_pii
from dmdesk.triage.priority import decide_priority
from dmdesk.triage.sentiment import Sentiment, analyse_sentiment
from dmdesk.triage.spam import judge_spam
from tests.triage.test_equivalence_golden import BRANDS, RULES, cases

_ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|ly|io|co|me|xyz|top|info)\S*")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_DIGITS = re.compile(r"\d")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[!?]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_REPEAT = re.compile(r"(.)\1{2,}")


def reference_analyze(text: str) -> list[str]:
    """The feature extractor the shipped model was trained with, before any optimisation."""
    text = unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", text[:2000]))[:1000]
    text = _EMAIL.sub(" zzemail ", text)
    text = _URL.sub(" zzurl ", text)
    text = _MENTION.sub(" ", text)
    text = _DIGITS.sub("0", text.lower())
    toks = _WORD.findall(_REPEAT.sub(r"\1\1", text))
    feats = list(map("w:".__add__, toks))
    feats += [f"b:{a} {b}" for a, b in pairwise(toks)]
    feats += [cue for t in toks if (cue := LEXICON.get(t)) is not None]
    for t, reps in Counter(toks).items():
        if len(t) < 3 or len(t) > 30:
            continue
        padded = f"<{t}>"
        for n in (3, 4):
            feats += [padded[i : i + n] for i in range(len(padded) - n + 1)] * reps
    return feats


def reference_classify(
    engine: TriageEngine,
    text: str | None,
    *,
    attachment_kinds: tuple[str, ...] = (),
    brand_names: tuple[str, ...] = (),
    rules: Sequence[KeywordRule] = (),
) -> TriageVerdict:
    body = (text or "")[:20_000]
    pii = find_pii(body)
    links = find_links(body, brand_names=brand_names)
    vec = engine.category_model.vector(Counter(reference_analyze(body)))
    spam_p = 0.0
    if not vec.empty:
        spam_p = float(engine.spam_model.proba(vec)[engine.spam_model.classes.index("spam")])
        brand_p = float(
            engine.category_model.proba(vec)[engine.category_model.classes.index("spam")]
        )
        spam_p = (1 - CATEGORY_SPAM_SHARE) * spam_p + CATEGORY_SPAM_SHARE * brand_p
    spam = judge_spam(body, model_score=spam_p, links=links, pii=pii, brand_names=brand_names)
    mood = analyse_sentiment(body)
    guess = guess_category(engine.category_model, vec, mood=mood)
    hits = rules_step.match_rules(body, rules)
    category, confidence, reasons = _decide(guess, spam, hits, rules)
    if category is None and vec.empty and attachment_kinds:
        reasons = (f"attachment only: {', '.join(attachment_kinds)}",)
    priority, why = _prioritise(category, mood, hits, body)
    lang = detect_language(body)
    return TriageVerdict(
        category=category,
        category_confidence=confidence,
        category_reasons=reasons,
        priority=priority,
        priority_reasons=why,
        language=lang.language,
        language_confidence=lang.confidence,
        sentiment=mood.score,
        sentiment_label=mood.label,
        spam=spam,
        pii=pii,
        links=links,
        rule_hits=hits,
        model_version=engine.version,
    )


def _prioritise(
    category: Category | None, mood: Sentiment, hits: tuple[RuleHit, ...], body: str
) -> tuple[Priority, tuple[str, ...]]:
    priority, why = decide_priority(category, sentiment=mood.score, text=body)
    rule_p = rules_step.rule_priority(hits)
    if rule_p is not None and rule_p.priority is not None:
        priority, why = rule_p.priority, (*why, f"rule '{rule_p.rule}' ({rule_p.keyword})")
    if mood.words:
        why = (*why, f"sentiment {mood.label}: {', '.join(mood.words)}")
    return priority, why


def _decide(
    guess: CategoryGuess,
    spam: SpamVerdict,
    hits: tuple[RuleHit, ...],
    rules: Sequence[KeywordRule],
) -> tuple[Category | None, float, tuple[str, ...]]:
    hit = rules_step.rule_category(hits)
    if spam.is_spam and (hit is None or not rules_step.overrides_spam(hit, rules)):
        return Category.SPAM, spam.score, spam.reasons
    if hit is not None and hit.category is not None:
        return hit.category, 1.0, (f"rule '{hit.rule}': {hit.keyword}",)
    return guess.category, guess.confidence, guess.reasons


def assert_same(fast: Any, slow: Any, path: str = "verdict") -> None:
    """Equal JSON, floats within 1e-6."""
    if isinstance(slow, float) and isinstance(fast, float):
        assert fast == pytest.approx(slow, abs=1e-6), path
    elif isinstance(slow, dict) and isinstance(fast, dict):
        assert list(fast) == list(slow), path
        for key in slow:
            assert_same(fast[key], slow[key], f"{path}.{key}")
    elif isinstance(slow, list) and isinstance(fast, list):
        assert len(fast) == len(slow), path
        for i, (a, b) in enumerate(zip(fast, slow, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    else:
        assert fast == slow, path


VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "workspace": {"brand_names": BRANDS, "rules": RULES},
    "attachment": {"attachment_kinds": ("image", "audio")},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_engine_matches_reference_on_cases(engine: TriageEngine, variant: str) -> None:
    kwargs = VARIANTS[variant]
    texts: list[str | None] = [None, *(text for _, text in cases())]
    for text in texts:
        slow = reference_classify(engine, text, **kwargs).to_json()
        assert_same(engine.classify(text, **kwargs).to_json(), slow, repr(text)[:80])


def test_reference_features_match_the_golden_digests() -> None:
    """The reference extractor above is the one the golden file was written with."""
    from tests.triage.test_equivalence_golden import _golden_outputs, feature_digest

    golden = _golden_outputs()
    for name, text in cases():
        assert feature_digest(reference_analyze(text[:20_000])) == golden[name]["features"]


def _shared_texts(root: Path, limit: int) -> list[str]:
    from dmdesk.triage import datasets, evalsets

    texts = [e.text for e in islice(evalsets.complaints(root), limit)]
    texts += [e.text for e in islice(datasets.sms_spam(root), limit)]
    texts += [e.text for e in islice(evalsets.tatoeba(root), 0, None, 20)]
    return texts


@pytest.mark.slow
def test_engine_matches_reference_on_real_messages(engine: TriageEngine, shared_root: Path) -> None:
    for text in _shared_texts(shared_root, 1500):
        assert analyze(text) == reference_analyze(text)
        slow = reference_classify(engine, text, brand_names=BRANDS).to_json()
        assert_same(engine.classify(text, brand_names=BRANDS).to_json(), slow, text[:80])
