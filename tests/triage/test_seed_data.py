"""The committed learning data: seed DMs and the team's labels for IBM customer-care tweets.

The IBM labels file holds tweet ids and labels only (the text is joined at build time from
shared/data), so it must never carry message text, and every label must be one of the six.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

from dmdesk.triage import datasets
from dmdesk.triage.training import CATEGORIES


def _ibm_label_rows() -> list[list[str]]:
    raw = resources.files("dmdesk.triage").joinpath("seed/ibm_labels.tsv").read_text("utf-8")
    return [line.split("\t") for line in raw.splitlines() if not line.startswith("#")]


def test_ibm_labels_are_ids_and_six_class_labels_only() -> None:
    rows = _ibm_label_rows()
    assert len(rows) >= 1000
    assert all(len(r) == 2 and r[0].isdigit() and r[1] in CATEGORIES for r in rows)
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "a tweet is labelled twice"


def test_ibm_labels_cover_the_real_brand_classes() -> None:
    counts = Counter(r[1] for r in _ibm_label_rows())
    assert counts["support"] >= 300
    assert counts["complaint"] >= 200
    assert counts["general"] >= 100


def test_seed_corpus_has_every_class_in_number() -> None:
    counts = Counter(e.label for e in datasets.seed_examples())
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 60
    assert counts["collaboration"] >= 100
    texts = [e.text for e in datasets.seed_examples()]
    assert len(texts) == len(set(texts)), "duplicate seed message"


def test_ibm_labels_join_with_the_shared_text(shared_root: Path) -> None:
    joined = datasets.ibm_labelled(shared_root)
    assert len(joined) >= 0.99 * len(_ibm_label_rows())
    assert {e.label for e in joined} <= set(CATEGORIES)
