"""Training: deterministic on a tiny dataset, user files and corrections included."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dmdesk.triage.datasets import Example, read_labelled
from dmdesk.triage.engine import TriageEngine
from dmdesk.triage.training import TrainConfig, train

ROWS = [
    ("where is my order", "support"),
    ("how do i reset my password", "support"),
    ("price of the red dress?", "sales"),
    ("do you ship to canada? how much", "sales"),
    ("worst service, never again", "complaint"),
    ("my parcel is broken, awful", "complaint"),
    ("collab? I have 20k followers", "collaboration"),
    ("press inquiry for an article", "collaboration"),
    ("thanks!", "general"),
    ("love your page", "general"),
    ("win a free iphone click here", "spam"),
    ("cheap followers dm now", "spam"),
] * 2


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(json.dumps({"text": t, "label": lab}) for t, lab in ROWS))
    return path


def test_training_is_deterministic(tmp_path: Path) -> None:
    data = _write(tmp_path)
    config = TrainConfig(user_files=(data,), use_shared=False, use_seed=False)
    meta_a = train(config, out=tmp_path / "a")
    meta_b = train(config, out=tmp_path / "b")
    assert meta_a["version"] == meta_b["version"]
    a = np.load(tmp_path / "a" / "category.npz")["coef"]
    b = np.load(tmp_path / "b" / "category.npz")["coef"]
    assert np.array_equal(a, b)
    engine = TriageEngine.load(tmp_path / "a")
    assert engine.classify("where is my order?").category is not None


def test_read_labelled_csv_and_jsonl(tmp_path: Path) -> None:
    csv_path = tmp_path / "x.csv"
    csv_path.write_text("msg,cat\nhello,general\nno label,\n", encoding="utf-8")
    rows = read_labelled(csv_path, text_col="msg", label_col="cat")
    assert [(r.text, r.label) for r in rows] == [("hello", "general")]
    assert len(read_labelled(_write(tmp_path))) == len(ROWS)


def test_corrections_in_memory_steer_the_model(tmp_path: Path) -> None:
    fixes = tuple(
        Example(text, "collaboration", "correction")
        for text in ("zorblax gizmo", "a zorblax gizmo deal", "zorblax gizmo team up")
    )
    config = TrainConfig(
        user_files=(_write(tmp_path),), corrections=fixes, use_shared=False, use_seed=False
    )
    train(config, out=tmp_path / "c")
    verdict = TriageEngine.load(tmp_path / "c").classify("zorblax gizmo please")
    assert verdict.category is not None
    assert verdict.category.value == "collaboration"


def test_nb_ratios_weigh_features_by_how_one_sided_they_are() -> None:
    from scipy.sparse import csr_matrix

    from dmdesk.triage.training import _nb_ratio

    # columns: only in spam, in both alike, only in ham
    x = csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 1, 1]], dtype=np.float32))
    ratio = _nb_ratio(x, ["spam", "spam", "ham", "ham"], alpha=1.0).ravel()
    assert ratio[1] == 0.0
    assert ratio[0] > 0.5
    assert ratio[2] == ratio[0]


def test_the_spam_model_folds_its_nb_scale_into_the_weights(tmp_path: Path) -> None:
    """Trained on scaled features, stored as plain weights: the shipped dot product gives
    what the logistic regression on the scaled features gives."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from dmdesk.triage.features import analyze, feature_counts
    from dmdesk.triage.training import _nb_ratio, fit_models, gather

    config = TrainConfig(user_files=(_write(tmp_path),), use_shared=False, use_seed=False)
    corpus = gather(config)
    _, spam = fit_models(corpus, config=config)
    texts = sorted({e.text for e, _ in corpus.category} | {e.text for e, _ in corpus.spam})
    vec = TfidfVectorizer(analyzer=analyze, sublinear_tf=True, min_df=2, dtype=np.float32)
    vec.fit(texts)
    rows = corpus.spam
    x = vec.transform([e.text for e, _ in rows])
    labels = [e.label for e, _ in rows]
    scale = _nb_ratio(x, labels, alpha=config.spam_nb)
    clf = LogisticRegression(C=config.c_spam, max_iter=3000, tol=1e-5)
    clf.fit(x.multiply(scale).tocsr(), labels, sample_weight=[w for _, w in rows])
    for text in ("win a free iphone click here", "where is my order", "free order"):
        expected = clf.predict_proba(vec.transform([text]).multiply(scale))[0]
        got = spam.proba(spam.vector(feature_counts(text)))
        assert got == pytest.approx(expected, abs=2e-3), text
