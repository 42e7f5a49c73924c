"""Training: deterministic on a tiny dataset, user files and corrections included."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

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
