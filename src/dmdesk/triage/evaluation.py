"""Evaluate the engine on labelled messages: per-class P/R/F1, macro-F1, confusion, speed.

What counts as the prediction depends on the task: the category (default), spam vs ham,
complaint vs other, or the sentiment label.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dmdesk.domain.triage import TriageVerdict
from dmdesk.triage.datasets import Example
from dmdesk.triage.engine import TriageEngine

Predict = Callable[[TriageVerdict], str]


def predict_category(v: TriageVerdict) -> str:
    return "unknown" if v.category is None else v.category.value


def predict_spam(v: TriageVerdict) -> str:
    return "spam" if v.spam.is_spam else "ham"


def predict_complaint(v: TriageVerdict) -> str:
    return "complaint" if v.category is not None and v.category.value == "complaint" else "other"


def predict_sentiment(v: TriageVerdict) -> str:
    return v.sentiment_label


def predict_language(v: TriageVerdict) -> str:
    return v.language


PREDICTORS: dict[str, Predict] = {
    "language": predict_language,
    "category": predict_category,
    "spam": predict_spam,
    "complaint": predict_complaint,
    "sentiment": predict_sentiment,
}


@dataclass(frozen=True)
class Report:
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    confusion: dict[str, dict[str, int]]
    n: int
    messages_per_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "macro_f1": round(self.macro_f1, 4),
            "per_class": self.per_class,
            "confusion": self.confusion,
            "n": self.n,
            "messages_per_s": round(self.messages_per_s, 1),
            **self.extra,
        }


def scores(gold: Sequence[str], pred: Sequence[str]) -> Report:
    """Per-class precision/recall/F1 over the gold classes, macro-F1, confusion matrix."""
    pairs = Counter(zip(gold, pred, strict=True))
    classes = sorted(set(gold))
    per_class: dict[str, dict[str, float]] = {}
    for c in classes:
        tp = pairs[(c, c)]
        predicted = sum(n for (_, p), n in pairs.items() if p == c)
        actual = sum(n for (g, _), n in pairs.items() if g == c)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": actual,
        }
    labels = sorted(set(gold) | set(pred))
    confusion = {g: {p: pairs[(g, p)] for p in labels if pairs[(g, p)]} for g in classes}
    macro = sum(v["f1"] for v in per_class.values()) / len(per_class) if per_class else 0.0
    accuracy = sum(pairs[(c, c)] for c in classes) / len(gold) if gold else 0.0
    return Report(macro, per_class, confusion, len(gold), 0.0, {"accuracy": round(accuracy, 4)})


def evaluate(
    engine: TriageEngine,
    examples: Sequence[Example],
    *,
    task: str = "category",
    label_map: Mapping[str, str] | None = None,
) -> Report:
    """Classify every example through the whole pipeline and score the chosen task."""
    mapping = label_map or {}
    predict = PREDICTORS[task]
    gold = [mapping.get(e.label, e.label) for e in examples]
    start = time.perf_counter()
    verdicts = [engine.classify(e.text) for e in examples]
    elapsed = time.perf_counter() - start
    pred = [predict(v) for v in verdicts]
    report = scores(gold, pred)
    speed = len(examples) / elapsed if elapsed > 0 else 0.0
    return Report(
        report.macro_f1, report.per_class, report.confusion, report.n, speed, report.extra
    )


def parse_map(pairs: Sequence[str]) -> dict[str, str]:
    """`--map FROM=TO` options as a dictionary; malformed items raise ValueError."""
    out = {}
    for item in pairs:
        src, sep, dst = item.partition("=")
        if not sep or not src:
            raise ValueError(f"expected FROM=TO, got {item!r}")
        out[src] = dst
    return out
