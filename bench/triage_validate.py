"""Validation slices for triage choices (not part of the test suite; needs shared/data).

    .venv/bin/python bench/triage_validate.py [--json]

Every data weight, regularisation constant, threshold and pattern in the shipped triage
configuration was chosen here, never on the gold or complaints sets. Three folds; fold k
leaves out of training
  - a quarter of the hand-labelled IBM tweets: bucket(text + salt_k) in 20-44, and
  - a slice of the SMS, smishing and YouTube training splits: buckets 20-34, 35-49, 50-64,
fits both models on the rest with the current `TrainConfig`, and scores the whole pipeline
(spam step included) on what it left out:
  - ibm_csg: macro-F1 over complaint / support / general on the IBM slice,
  - ibm_flagged: IBM customer tweets (none of them spam) flagged as spam,
  - sms / smishing / youtube: spam F1 on each left-out slice,
  - air_csg / air_flagged: the same two figures on the 600 hand-labelled airline tweets
    (`--suite airline6`: real brand-addressed messages that never train a model).
Prints each fold and the mean over the three (about 30 s of CPU per fold).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score

from dmdesk.triage import datasets, evalsets, training
from dmdesk.triage.engine import TriageEngine

SALTS = ("#val", "#val1", "#val2")
SPAM_SLICES = ((20, 35), (35, 50), (50, 65))
CSG = ["complaint", "support", "general"]
SPAM_SETS = {
    "sms": datasets.sms_spam,
    "smishing": datasets.smishing,
    "youtube": datasets.youtube_spam,
}


def in_ibm_slice(text: str, fold: int) -> bool:
    return 20 <= datasets.bucket(text + SALTS[fold]) < 45


def in_spam_slice(text: str, fold: int) -> bool:
    low, high = SPAM_SLICES[fold]
    return low <= datasets.bucket(text) < high


def run_fold(root: Path, fold: int, config: training.TrainConfig) -> dict[str, Any]:
    ibm = datasets.ibm_labelled(root)
    spam_sets = {
        name: datasets.split(load(root), holdout=False) for name, load in SPAM_SETS.items()
    }
    left_ibm = [e for e in ibm if in_ibm_slice(e.text, fold)]
    left_spam = {
        n: [e for e in rows if in_spam_slice(e.text, fold)] for n, rows in spam_sets.items()
    }
    left_out = {e.text for e in left_ibm} | {e.text for rows in left_spam.values() for e in rows}
    corpus = training.gather(config)
    corpus.category = [(e, w) for e, w in corpus.category if e.text not in left_out]
    corpus.spam = [(e, w) for e, w in corpus.spam if e.text not in left_out]
    category, spam = training.fit_models(corpus, config=config)
    engine = TriageEngine(category_model=category, spam_model=spam, metadata={})
    result: dict[str, Any] = {"ibm_n": len(left_ibm)}
    for name, rows in (("ibm", left_ibm), ("air", evalsets.airline_six_class(root))):
        verdicts = [engine.classify(e.text) for e in rows]
        predicted = [v.category.value if v.category else "unknown" for v in verdicts]
        gold = [e.label for e in rows]
        result[f"{name}_csg"] = f1_score(gold, predicted, labels=CSG, average="macro")
        result[f"{name}_flagged"] = sum(
            v.spam.is_spam for v, g in zip(verdicts, gold, strict=True) if g != "spam"
        )
    for name, rows in left_spam.items():
        truth = [e.label == "spam" for e in rows]
        flagged = [engine.classify(e.text).spam.is_spam for e in rows]
        result[name] = f1_score(truth, flagged)
    return result


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    root = datasets.shared_data_dir()
    if root is None:
        sys.exit("shared/data is not here (set DMDESK_SHARED_DATA): nothing to validate on")
    config = training.TrainConfig()
    folds = []
    for fold in range(len(SALTS)):
        folds.append(run_fold(root, fold, config))
        if not args.json:
            print(f"fold {fold}", _rounded(folds[-1]), flush=True)
    mean = {k: sum(f[k] for f in folds) / len(folds) for k in folds[0]}
    if args.json:
        print(json.dumps({"folds": [_rounded(f) for f in folds], "mean": _rounded(mean)}))
    else:
        print("mean  ", _rounded(mean))


if __name__ == "__main__":
    main()
