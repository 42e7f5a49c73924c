"""Measure FAQ auto-answer on public intent datasets read in place (CLINC150, BANKING77):
one knowledge-base entry per training intent, scored on the test queries."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dmdesk.rules.faq_matcher import DEFAULT_MARGIN, FaqExample, FaqIndex

DATASETS = ("clinc150", "banking77")


@dataclass(frozen=True)
class Dataset:
    name: str
    train: list[tuple[str, str]]
    test: list[tuple[str, str]]
    out_of_scope: list[str]


@dataclass(frozen=True)
class FaqEvalReport:
    dataset: str
    threshold: float
    entries: int
    test_queries: int
    answer_rate: float  # share of in-scope test queries the bot answers
    wrong_rate: float  # share of in-scope test queries answered with the wrong entry
    wrong_of_answered: float  # wrong answers among those answered
    out_of_scope_queries: int
    oos_handoff_rate: float | None  # share of out-of-scope queries handed to a human

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def load(name: str, root: Path) -> Dataset:
    """Raises FileNotFoundError when the dataset is not on disk."""
    if name == "clinc150":
        raw = json.loads((root / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
        return Dataset(
            name,
            [(t, i) for t, i in raw["train"]],
            [(t, i) for t, i in raw["test"]],
            [t for t, _ in raw["oos_test"]],
        )
    if name == "banking77":
        return Dataset(
            name, _csv(root / "banking77" / "train.csv"), _csv(root / "banking77" / "test.csv"), []
        )
    raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")


def _csv(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [(row["text"], row["category"]) for row in csv.DictReader(fh)]


def evaluate(data: Dataset, *, threshold: float, margin: float = DEFAULT_MARGIN) -> FaqEvalReport:
    intents = sorted({intent for _, intent in data.train})
    ids = {name: i for i, name in enumerate(intents)}
    index = FaqIndex([FaqExample(ids[intent], text) for text, intent in data.train])
    found = index.match_many([text for text, _ in data.test])
    answered = [m.answers(threshold, margin) for m in found]
    wrong = [
        a and m.entry_id != ids.get(intent)
        for a, m, (_, intent) in zip(answered, found, data.test, strict=True)
    ]
    oos = index.match_many(data.out_of_scope) if data.out_of_scope else []
    n = max(1, len(data.test))
    return FaqEvalReport(
        dataset=data.name,
        threshold=threshold,
        entries=len(intents),
        test_queries=len(data.test),
        answer_rate=round(sum(answered) / n, 4),
        wrong_rate=round(sum(wrong) / n, 4),
        wrong_of_answered=round(sum(wrong) / max(1, sum(answered)), 4),
        out_of_scope_queries=len(oos),
        oos_handoff_rate=(
            round(sum(not m.answers(threshold, margin) for m in oos) / len(oos), 4) if oos else None
        ),
    )
