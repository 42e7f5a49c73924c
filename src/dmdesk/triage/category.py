"""The six-class category model: a probability per class and the words behind the winner.

Spam is decided by the spam step; here the model picks among the other five. A sentiment
guard keeps the classes honest: a complaint needs dissatisfaction (a clearly positive
message falls back to the runner-up) and a clearly negative message is a complaint.
Low confidence gives no category ("unknown").
"""

from __future__ import annotations

from dataclasses import dataclass

from dmdesk.domain.enums import Category
from dmdesk.triage.linear import FloatArray, LinearModel, Vector
from dmdesk.triage.sentiment import Sentiment

MIN_CONFIDENCE = 0.30
POSITIVE_GUARD = 0.25
NEGATIVE_PROMOTE = -0.5
_BY_VALUE = {c.value: c for c in Category}
_PROMOTABLE = frozenset({Category.SUPPORT, Category.GENERAL, Category.SALES})


@dataclass(frozen=True)
class CategoryGuess:
    category: Category | None
    confidence: float
    spam_probability: float
    reasons: tuple[str, ...]


def _ranked(
    model: LinearModel, vec: Vector, proba_array: FloatArray | None
) -> tuple[list[tuple[Category, float]], float]:
    proba = (model.proba(vec) if proba_array is None else proba_array).tolist()
    classes = model.classes
    spam_p = proba[classes.index("spam")] if "spam" in classes else 0.0
    rest = max(1e-9, 1.0 - spam_p)
    ranked = sorted(
        ((_BY_VALUE[c], p / rest) for c, p in zip(classes, proba, strict=True) if c != "spam"),
        key=lambda pair: -pair[1],
    )
    return ranked, spam_p


def guess_category(
    model: LinearModel, vec: Vector, *, mood: Sentiment, proba: FloatArray | None = None
) -> CategoryGuess:
    """Best non-spam class by the model, adjusted by the sentiment guard. `proba` is the
    model's output for `vec` when the caller already has it."""
    if vec.empty:
        return CategoryGuess(None, 0.0, 0.0, ())
    ranked, spam_p = _ranked(model, vec, proba)
    (best, confidence), (runner_up, second) = ranked[0], ranked[1]
    negative_words = mood.score < 0 and bool(mood.words)
    if best is Category.COMPLAINT and mood.score >= POSITIVE_GUARD and not negative_words:
        why = (f"positive tone ({mood.score:.2f}): not a complaint",)
        reasons = why + model.explain(vec, model.classes.index(runner_up.value))
        return CategoryGuess(runner_up, round(second, 4), spam_p, reasons)
    if best in _PROMOTABLE and mood.score <= NEGATIVE_PROMOTE:
        why = (f"negative tone ({mood.score:.2f}): {', '.join(mood.words)}",)
        idx = model.classes.index(Category.COMPLAINT.value)
        return CategoryGuess(
            Category.COMPLAINT, round(confidence, 4), spam_p, why + model.explain(vec, idx)
        )
    if confidence < MIN_CONFIDENCE:
        return CategoryGuess(None, round(confidence, 4), spam_p, ())
    reasons = model.explain(vec, model.classes.index(best.value))
    return CategoryGuess(best, round(confidence, 4), spam_p, reasons)
