"""The shortcuts taken for speed: a bounded token cache and skipping work nobody reads."""

from __future__ import annotations

from collections import Counter

import pytest

from dmdesk.domain.enums import Category
from dmdesk.domain.triage import KeywordRule
from dmdesk.triage import engine as engine_module
from dmdesk.triage import features
from dmdesk.triage.category import CategoryGuess
from dmdesk.triage.engine import TriageEngine
from tests.triage.test_equivalence_reference import reference_analyze


def test_token_cache_is_bounded_and_refills_to_the_same_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(features, "_TOKEN_CACHE_SIZE", 50)
    texts = [" ".join(f"word{i}x{j}" for j in range(12)) + " love it!!" for i in range(20)]
    for text in texts * 2:
        assert features.analyze(text) == reference_analyze(text)
        assert len(features._TOKENS) <= 50


def test_feature_counts_is_the_counter_of_the_features() -> None:
    text = "Love it, LOVE it!!! 😍 mail a@b.co or see www.x.io 12345"
    counts = features.feature_counts(text)
    assert list(counts.items()) == list(Counter(reference_analyze(text)).items())
    assert counts["<lo"] == 2


def _model_must_not_run(*args: object, **kwargs: object) -> CategoryGuess:
    raise AssertionError("the category model was asked although spam or a rule decided")


def test_spam_is_decided_without_asking_the_category_model(
    engine: TriageEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "guess_category", _model_must_not_run)
    verdict = engine.classify("Your account is locked. Verify your account at paypa1.com/login")
    assert verdict.category is Category.SPAM
    rule = KeywordRule("summer", ("summer sale",), category=Category.SALES)
    ruled = engine.classify("is the summer sale still on?", rules=[rule])
    assert ruled.category is Category.SALES
    assert ruled.category_reasons == ("rule 'summer': summer sale",)


def test_the_category_model_runs_when_nothing_else_decided(
    engine: TriageEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "guess_category", _model_must_not_run)
    with pytest.raises(AssertionError, match="category model was asked"):
        engine.classify("How much is the blue dress in size M?")


@pytest.mark.parametrize(
    "text",
    [
        "a@" * 600,
        "a@" * 599 + "b.co",
        "x@y@z.w.v! and @handle",
        "._a@@ .. @a.b a@.b a@b. a@b.c_",
        "mail a.b+c@ex-ample.co.uk, ok?\u3000ß@é.ü",
    ],
)
def test_email_shortcut_gives_the_regex_result(text: str) -> None:
    """prepare() replaces e-mails run by run in linear time; the features are the regex's."""
    assert features.analyze(text) == reference_analyze(text)


def test_encode_is_vector_of_the_feature_counts(engine: TriageEngine) -> None:
    """The engine's per-token id path gives exactly the vector of the plain feature counts."""
    from tests.triage.test_equivalence_golden import cases

    model = engine.category_model
    for _, text in cases():
        fast = model.encode(text[:20_000])
        plain = model.vector(features.feature_counts(text[:20_000]))
        assert fast.idx.tolist() == plain.idx.tolist(), text[:60]
        assert fast.vals.tolist() == plain.vals.tolist(), text[:60]
