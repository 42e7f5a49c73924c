"""The six-class category model: a probability per class and the words behind the winner.

Spam is decided by the spam step; here the model picks among the other five unless it is
itself confident the message is spam. Low confidence gives no category ("unknown").
"""

from __future__ import annotations

from dataclasses import dataclass

from dmdesk.domain.enums import Category
from dmdesk.triage.linear import LinearModel, Vector

MIN_CONFIDENCE = 0.30


@dataclass(frozen=True)
class CategoryGuess:
    category: Category | None
    confidence: float
    spam_probability: float
    reasons: tuple[str, ...]


def guess_category(model: LinearModel, vec: Vector) -> CategoryGuess:
    """Best non-spam class by the model (spam probability reported separately)."""
    if not vec.idx:
        return CategoryGuess(None, 0.0, 0.0, ())
    proba = model.proba(vec)
    classes = model.classes
    spam_p = float(proba[classes.index("spam")]) if "spam" in classes else 0.0
    ranked = sorted(
        (i for i, c in enumerate(classes) if c != "spam"), key=lambda i: -float(proba[i])
    )
    best = ranked[0]
    confidence = float(proba[best]) / max(1e-9, 1.0 - spam_p)
    if confidence < MIN_CONFIDENCE:
        return CategoryGuess(None, round(confidence, 4), spam_p, ())
    reasons = model.explain(vec, best)
    return CategoryGuess(Category(classes[best]), round(confidence, 4), spam_p, reasons)
