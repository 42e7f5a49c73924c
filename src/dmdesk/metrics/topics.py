"""The feedback loop: inbound questions of a period grouped into topics (TF-IDF, LSA,
k-means on unit vectors), each with a label of its top terms, a count, the trend against
the previous period (its messages assigned to the nearest topic) and example messages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.models import Message

if TYPE_CHECKING:  # scikit-learn loads in ~1.5 s: only when topics are computed
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

MAX_TEXTS = 20000
SVD_DIMS = 100
MIN_TEXTS = 4


@dataclass(frozen=True)
class Topic:
    label: str
    terms: list[str]
    count: int
    previous_count: int
    examples: list[str]

    @property
    def trend(self) -> str:
        if self.count > self.previous_count:
            return "up"
        return "down" if self.count < self.previous_count else "flat"

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "terms": self.terms, "count": self.count,
                "previous_count": self.previous_count, "trend": self.trend,
                "examples": self.examples}  # fmt: skip


@dataclass
class TopicModel:
    vectorizer: TfidfVectorizer
    svd: TruncatedSVD | None
    kmeans: KMeans
    labels: npt.NDArray[np.int_]

    def embed(self, texts: list[str]) -> npt.NDArray[np.float64]:
        from sklearn.preprocessing import normalize

        matrix = self.vectorizer.transform(texts)
        dense = self.svd.transform(matrix) if self.svd is not None else matrix.toarray()
        return np.asarray(normalize(dense), dtype=np.float64)

    def assign(self, texts: list[str]) -> npt.NDArray[np.int_]:
        if not texts:
            return np.zeros(0, dtype=np.int_)
        return np.asarray(self.kmeans.predict(self.embed(texts)), dtype=np.int_)


def auto_k(n: int) -> int:
    """A topic count that grows slowly with volume: sqrt(n / 2), between 2 and 40."""
    return max(2, min(40, round(math.sqrt(n / 2))))


def fit_topics(texts: list[str], *, k: int | None = None, seed: int = 0) -> TopicModel:
    """Cluster texts; k defaults to `auto_k`. Needs at least MIN_TEXTS texts."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", sublinear_tf=True,
                                 min_df=2 if len(texts) >= 200 else 1)  # fmt: skip
    matrix = vectorizer.fit_transform(texts)
    clusters = min(k or auto_k(len(texts)), len(texts))
    svd = None
    if matrix.shape[1] > SVD_DIMS * 2:
        svd = TruncatedSVD(SVD_DIMS, random_state=seed)
        dense = svd.fit_transform(matrix)
    else:
        dense = matrix.toarray()
    dense = normalize(dense)
    # Identical messages are one point: k-means cannot make more clusters than points.
    clusters = min(clusters, len(np.unique(np.round(dense, 9), axis=0)))
    kmeans = KMeans(clusters, n_init=5, random_state=seed).fit(dense)
    return TopicModel(vectorizer, svd, kmeans, np.asarray(kmeans.labels_, dtype=np.int_))


def _top_terms(model: TopicModel, texts: list[str], members: npt.NDArray[np.int_]) -> list[str]:
    # Mean TF-IDF of the topic's own messages: readable terms, unlike LSA centroids.
    weights = np.asarray(model.vectorizer.transform([texts[i] for i in members]).mean(axis=0))
    names = model.vectorizer.get_feature_names_out()
    order = np.argsort(-weights.ravel())[:3]
    return [str(names[i]) for i in order if weights.ravel()[i] > 0]


def _examples(
    model: TopicModel, texts: list[str], members: npt.NDArray[np.int_], topic: int
) -> list[str]:
    vectors = model.embed([texts[i] for i in members])
    closeness = vectors @ model.kmeans.cluster_centers_[topic]
    return [texts[members[i]] for i in np.argsort(-closeness)[:3]]


def build_topics(current: list[str], previous: list[str], *, k: int | None = None) -> list[Topic]:
    """Topics of `current`, ranked by count, with counts of `previous` for the trend."""
    if len(current) < MIN_TEXTS:
        return []
    model = fit_topics(current, k=k)
    before = np.bincount(model.assign(previous), minlength=model.kmeans.n_clusters)
    topics = []
    for topic in range(model.kmeans.n_clusters):
        members = np.flatnonzero(model.labels == topic)
        if members.size == 0:
            continue
        terms = _top_terms(model, current, members)
        examples = _examples(model, current, members, topic)
        label = " / ".join(terms) or "(no words)"
        topics.append(Topic(label, terms, int(members.size), int(before[topic]), examples))
    return sorted(topics, key=lambda t: (-t.count, t.label))


def inbound_texts(
    session: Session, workspace_id: int, *, start: datetime, end: datetime
) -> list[str]:
    """Texts of inbound, not deleted messages sent in [start, end), newest first."""
    rows = session.scalars(
        select(Message.text)
        .where(
            Message.workspace_id == workspace_id,
            Message.direction == "inbound",
            Message.is_deleted.is_(False),
            Message.text.is_not(None),
            Message.sent_at >= start,
            Message.sent_at < end,
        )
        .order_by(Message.sent_at.desc())
        .limit(MAX_TEXTS)
    )
    return [t for t in rows if t and t.strip()]
