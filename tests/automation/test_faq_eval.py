"""FAQ evaluation on the public datasets, read in place; skipped with a reason when absent."""

from __future__ import annotations

import pytest

from dmdesk.rules.faq_eval import Dataset, evaluate, load
from tests.conftest import shared_dir


def _small(data: Dataset, intents: int = 15) -> Dataset:
    keep = sorted({i for _, i in data.train})[:intents]
    return Dataset(
        data.name,
        [r for r in data.train if r[1] in keep],
        [r for r in data.test if r[1] in keep],
        data.out_of_scope[:200],
    )


def test_clinc150_subset_answers_and_hands_off() -> None:
    try:
        data = load("clinc150", shared_dir() / "data")
    except FileNotFoundError:
        pytest.skip("CLINC150 is not in ../shared/data")
    report = evaluate(_small(data), threshold=0.35, margin=0.06)
    assert report.entries == 15
    assert report.answer_rate >= 0.7
    assert report.wrong_rate <= 0.05
    assert report.oos_handoff_rate is not None
    assert report.oos_handoff_rate >= 0.8


def test_threshold_trades_answers_for_accuracy() -> None:
    data = Dataset(
        "toy",
        [
            ("where is my parcel", "track"),
            ("track my order", "track"),
            ("how do i get a refund", "refund"),
            ("money back please", "refund"),
        ],
        [("where is my order", "track"), ("i want my money back", "refund")],
        ["what is the weather on mars"],
    )
    loose = evaluate(data, threshold=0.0, margin=0.0)
    strict = evaluate(data, threshold=0.99, margin=0.0)
    assert loose.answer_rate == 1.0
    assert strict.answer_rate == 0.0
    assert strict.oos_handoff_rate == 1.0


def test_unknown_dataset_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        load("imdb", shared_dir())
    with pytest.raises(FileNotFoundError):
        load("banking77", shared_dir() / "nowhere")
