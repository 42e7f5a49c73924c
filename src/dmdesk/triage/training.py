"""Build the shipped artefact: gather training rows, fit the category and spam models, save.

Deterministic: fixed data order, hash-based splits, and a solver without randomness, so the
same inputs give the same weights. Only permissively licensed sets are ever read here.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dmdesk.triage import datasets
from dmdesk.triage.datasets import Example
from dmdesk.triage.features import analyze
from dmdesk.triage.linear import LinearModel

CATEGORIES = ("spam", "complaint", "support", "sales", "collaboration", "general")
MODEL_DIR = Path(__file__).parent / "model"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainConfig:
    """What to learn from; `user_files` are labelled CSV/JSONL files (corrections included)."""

    user_files: tuple[Path, ...] = ()
    corrections: tuple[Example, ...] = ()
    use_shared: bool = True
    use_seed: bool = True
    shared_root: Path | None = None
    seed_weight: float = 3.0
    seed_spam_weight: float = 1.0
    user_weight: float = 3.0
    c_category: float = 4.0
    c_spam: float = 20.0
    max_features: int = 60000
    banking_per_intent: int = 14
    spam_threshold_prior: bool = True
    ibm_ham_weight: float = 2.0
    ibm_label_weight: float = 3.0
    intent_weight: float = 0.3
    spam_side_limit: int = 150
    spam_nb: float = 1.0  # NB-LR smoothing for the spam model (0 = plain logistic regression)
    youtube_spam_weight: float = 0.5
    spam_ham_weight: float = 1.0  # seed/spam_ham.jsonl as spam-model ham


@dataclass
class Corpus:
    category: list[tuple[Example, float]] = field(default_factory=list)
    spam: list[tuple[Example, float]] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)

    def add(self, rows: Sequence[Example], *, weight: float, target: str) -> None:
        bucket = self.category if target == "category" else self.spam
        bucket.extend((e, weight) for e in rows)
        self.sources.update(e.source for e in rows)


def _spam_side(rows: Sequence[Example], *, limit: int) -> list[Example]:
    spam = [e for e in rows if e.label == "spam"]
    return sorted(spam, key=lambda e: datasets.bucket(e.text + "!"))[:limit]


def _add_shared(corpus: Corpus, root: Path, *, config: TrainConfig) -> None:
    bank = datasets.banking77(root, per_intent=config.banking_per_intent)
    clinc = datasets.clinc150(root)
    corpus.add(datasets.ibm_labelled(root), weight=config.ibm_label_weight, target="category")
    corpus.add(bank + clinc, weight=config.intent_weight, target="category")
    corpus.add([Example(e.text, "ham", e.source) for e in bank + clinc], weight=1.0, target="spam")
    corpus.add(datasets.ibm_customer_care(root), weight=config.ibm_ham_weight, target="spam")
    youtube = datasets.split(datasets.youtube_spam(root), holdout=False)
    spam_sets = (
        (datasets.split(datasets.sms_spam(root), holdout=False), 1.0),
        (datasets.split(datasets.smishing(root), holdout=False), 1.0),
        (youtube, config.youtube_spam_weight),
    )
    for rows, weight in spam_sets:
        corpus.add(rows, weight=weight, target="spam")
        corpus.add(_spam_side(rows, limit=config.spam_side_limit), weight=1.0, target="category")
    fans = [Example(e.text, "general", e.source) for e in youtube if e.label == "ham"][:150]
    corpus.add(fans, weight=0.5, target="category")


def _as_spam_label(rows: Sequence[Example]) -> list[Example]:
    return [Example(e.text, "spam" if e.label == "spam" else "ham", e.source) for e in rows]


def gather(config: TrainConfig) -> Corpus:
    """Training rows for both models: seed (train split), user files, shared permissive sets."""
    corpus = Corpus()
    seed = datasets.split(datasets.seed_examples(), holdout=False) if config.use_seed else []
    corpus.add(seed, weight=config.seed_weight, target="category")
    corpus.add(_as_spam_label(seed), weight=config.seed_spam_weight, target="spam")
    if config.use_seed and config.spam_ham_weight > 0:
        ham = datasets.split(datasets.seed_examples("spam_ham.jsonl"), holdout=False)
        corpus.add(_as_spam_label(ham), weight=config.spam_ham_weight, target="spam")
    user = [e for path in config.user_files for e in datasets.read_labelled(path)]
    user = [e for e in [*user, *config.corrections] if e.label in CATEGORIES]
    corpus.add(user, weight=config.user_weight, target="category")
    corpus.add(_as_spam_label(user), weight=config.user_weight, target="spam")
    root = config.shared_root or datasets.shared_data_dir()
    if config.use_shared and root is not None:
        _add_shared(corpus, root, config=config)
    return corpus


def fit_models(corpus: Corpus, *, config: TrainConfig) -> tuple[LinearModel, LinearModel]:
    """One TF-IDF vocabulary over all rows, then a logistic regression per task (lbfgs)."""
    # Imported here: scikit-learn is for training only, and takes over a second to load.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = sorted({e.text for e, _ in corpus.category} | {e.text for e, _ in corpus.spam})
    vec = TfidfVectorizer(
        analyzer=analyze,
        sublinear_tf=True,
        min_df=2,
        max_features=config.max_features,
        dtype=np.float32,
    )
    vec.fit(texts)
    vocab = {str(t): int(i) for t, i in vec.vocabulary_.items()}
    idf = vec.idf_.astype(np.float32)
    models = []
    # the spam model keeps the natural spam/ham prior (balancing made short hams look spammy)
    # (rows, C, class weighting, NB-LR smoothing: 0 = plain logistic regression)
    tasks = (
        (corpus.category, config.c_category, "balanced", 0.0),
        (
            corpus.spam,
            config.c_spam,
            None if config.spam_threshold_prior else "balanced",
            config.spam_nb,
        ),
    )
    for rows, c, weighting, nb in tasks:
        x = vec.transform([e.text for e, _ in rows])
        labels = [e.label for e, _ in rows]
        scale = None
        if nb > 0:
            scale = _nb_ratio(x, labels, alpha=nb)
            x = x.multiply(scale).tocsr()
        clf = LogisticRegression(C=c, max_iter=3000, class_weight=weighting, tol=1e-5)
        clf.fit(x, labels, sample_weight=[w for _, w in rows])
        coef = clf.coef_.astype(np.float32)
        if scale is not None:
            coef = coef * scale.astype(np.float32)
        models.append(
            LinearModel(
                classes=tuple(str(k) for k in clf.classes_),
                vocab=vocab,
                idf=idf,
                coef=coef,
                intercept=clf.intercept_.astype(np.float32),
            )
        )
    return models[0], models[1]


def _nb_ratio(x: Any, labels: Sequence[str], *, alpha: float) -> npt.NDArray[np.float32]:
    """Naive Bayes log-count ratios |log(P(f|spam) / P(f|ham))| per feature, with `alpha`
    smoothing (Wang & Manning 2012, "NBSVM"). The spam model is fitted on features scaled by
    them, and the scale is folded into its weights, so inference is the same dot product."""
    is_spam = np.array([label == "spam" for label in labels])
    present = (x > 0).astype(np.float32)
    p = alpha + np.asarray(present[is_spam].sum(axis=0)).ravel()
    q = alpha + np.asarray(present[~is_spam].sum(axis=0)).ravel()
    ratio: npt.NDArray[np.float32] = np.abs(np.log((p / p.sum()) / (q / q.sum()))).astype(
        np.float32
    )
    return ratio.reshape(1, -1)


def _fingerprint(*models: LinearModel) -> str:
    digest = hashlib.sha256()
    for m in models:
        digest.update(np.ascontiguousarray(m.coef.astype(np.float16)).tobytes())
    return digest.hexdigest()[:12]


def train(
    config: TrainConfig, *, out: Path = MODEL_DIR, progress: Progress | None = None
) -> dict[str, object]:
    """Fit both models and write the artefact to `out`; returns its metadata."""
    step = progress or (lambda _msg: None)
    step("gathering data")
    corpus = gather(config)
    step("fitting category and spam models")
    category, spam = fit_models(corpus, config=config)
    step("saving artefact")
    category.save(out, "category")
    spam.save(out, "spam")
    meta: dict[str, object] = {
        "version": f"1.{_fingerprint(category, spam)}",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": {s: datasets.ATTRIBUTION.get(s, s) for s in sorted(corpus.sources)},
        "rows": dict(sorted(corpus.sources.items())),
        "sizes": {
            "category_rows": len(corpus.category),
            "spam_rows": len(corpus.spam),
            "features": len(category.vocab),
        },
        "classes": list(category.classes),
    }
    (out / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta
