"""Span-level evaluation of the personal-data step on the presidio synthetic set.

A gold span counts as found when a finding of the same kind overlaps it; findings that
overlap no gold span of their kind are false positives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from dmdesk.triage.pii import find_pii, luhn_ok

KINDS = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "card",
    "IBAN_CODE": "iban",
}


def _gold(row: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    return [
        (KINDS[s["entity_type"]], s["start_position"], s["end_position"], s["entity_value"])
        for s in row["spans"]
        if s["entity_type"] in KINDS
    ]


def evaluate_pii(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Recall and precision per kind, and whether card flags agree exactly with Luhn."""
    tp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    luhn_disagreements = 0
    for row in rows:
        text = str(row["full_text"])
        found = find_pii(text)
        matched: set[int] = set()
        for kind, start, end, value in _gold(row):
            hits = [
                i for i, f in enumerate(found) if f.kind == kind and f.start < end and start < f.end
            ]
            tp[kind] += bool(hits)
            fn[kind] += not hits
            matched.update(hits)
            if kind == "card":
                digits = "".join(ch for ch in value if ch.isdigit())
                luhn_disagreements += bool(hits) != luhn_ok(digits)
        fp.update(f.kind for i, f in enumerate(found) if i not in matched)
    per_kind = {
        k: {
            "recall": round(tp[k] / (tp[k] + fn[k]), 4) if tp[k] + fn[k] else 0.0,
            "precision": round(tp[k] / (tp[k] + fp[k]), 4) if tp[k] + fp[k] else 0.0,
            "gold": tp[k] + fn[k],
        }
        for k in KINDS.values()
    }
    return {"per_kind": per_kind, "card_luhn_disagreements": luhn_disagreements, "n": len(rows)}
