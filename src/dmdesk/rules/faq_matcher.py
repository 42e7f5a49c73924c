"""FAQ matching: TF-IDF (word and character n-grams) cosine similarity to each entry.

An entry's score is a blend of its best-matching example and its centroid; the bot answers
only when the best score clears the threshold and beats the runner-up by a margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

DEFAULT_THRESHOLD = 0.35
DEFAULT_MARGIN = 0.06
CENTROID_WEIGHT = 0.5


@dataclass(frozen=True)
class FaqExample:
    entry_id: int
    text: str


@dataclass(frozen=True)
class FaqMatch:
    entry_id: int | None
    score: float
    runner_up: float

    def answers(self, threshold: float, margin: float = DEFAULT_MARGIN) -> bool:
        return (
            self.entry_id is not None
            and self.score >= threshold
            and (self.score - self.runner_up >= margin)
        )


def _vectorizer() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True
                ),
            ),
        ]
    )


class FaqIndex:
    """Built once from the knowledge base; `match` and `match_many` are read-only."""

    def __init__(self, examples: Sequence[FaqExample]) -> None:
        self.entry_ids: list[int] = sorted({e.entry_id for e in examples})
        self._features = _vectorizer()
        if not examples:
            self._examples = csr_matrix((0, 0))
            return
        ordered = sorted(examples, key=lambda e: e.entry_id)
        matrix = self._features.fit_transform([e.text for e in ordered])
        self._examples = normalize(matrix)
        column = {entry: i for i, entry in enumerate(self.entry_ids)}
        self._owner = np.array([column[e.entry_id] for e in ordered])
        self._starts = np.searchsorted(self._owner, np.arange(len(self.entry_ids)))
        member = csr_matrix(
            (np.ones(len(ordered)), (self._owner, np.arange(len(ordered)))),
            shape=(len(self.entry_ids), len(ordered)),
        )
        self._centroids = normalize(member @ self._examples)

    def match_many(self, texts: Sequence[str], *, batch: int = 256) -> list[FaqMatch]:
        if not self.entry_ids or not texts:
            return [FaqMatch(None, 0.0, 0.0) for _ in texts]
        found: list[FaqMatch] = []
        for start in range(0, len(texts), batch):
            found += self._match_batch(list(texts[start : start + batch]))
        return found

    def _match_batch(self, texts: list[str]) -> list[FaqMatch]:
        queries = normalize(self._features.transform(texts))
        per_example = (queries @ self._examples.T).toarray()
        best = np.maximum.reduceat(per_example, self._starts, axis=1)
        centroid = (queries @ self._centroids.T).toarray()
        scores = (1 - CENTROID_WEIGHT) * best + CENTROID_WEIGHT * centroid
        return [self._pick(row) for row in scores]

    def match(self, text: str) -> FaqMatch:
        return self.match_many([text])[0]

    def _pick(self, row: np.ndarray) -> FaqMatch:
        order = np.argsort(row)[::-1]
        top = float(row[order[0]])
        second = float(row[order[1]]) if len(order) > 1 else 0.0
        return FaqMatch(self.entry_ids[int(order[0])], top, second)
