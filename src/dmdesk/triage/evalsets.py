"""Evaluation sets read in place from the shared data folder; none of them trains the model.

Non-commercial and unlicensed sets (complaints on Twitter, airline tweets) are read only here.
The held-out SMS, smishing and YouTube rows come from the same hash split that training skips.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from dmdesk.triage import datasets
from dmdesk.triage.datasets import Example

_LABELS_DIR = Path(__file__).resolve().parents[3] / "tests" / "triage"
GOLD_FILE = _LABELS_DIR / "gold_brand_six_class.tsv"
AIRLINE_FILE = _LABELS_DIR / "airline_six_class.tsv"


def _complaint_rows(root: Path) -> list[list[str]]:
    path = root / "complaints_twitter" / "complaints-data.csv"
    with path.open(encoding="utf-8") as fh:
        return [r for r in csv.reader(fh) if len(r) >= 4]


def complaints(root: Path) -> list[Example]:
    """All 3,449 tweets as complaint / other (Preotiuc-Pietro et al. 2019; evaluation only)."""
    rows = _complaint_rows(root)
    return [Example(r[1], "complaint" if r[2] == "1" else "other", "complaints") for r in rows]


def _labels_by_id(labels_file: Path) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for line in labels_file.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            tweet_id, label = line.split("\t", 1)
            wanted[tweet_id] = label.strip()
    return wanted


def gold_six_class(root: Path, *, labels_file: Path = GOLD_FILE) -> list[Example]:
    """Brand-addressed complaints_twitter rows with the team's six-class labels (by tweet id)."""
    texts = {r[0]: r[1] for r in _complaint_rows(root)}
    wanted = _labels_by_id(labels_file)
    return [Example(texts[i], lab, "gold") for i, lab in wanted.items() if i in texts]


def airline_six_class(root: Path, *, labels_file: Path = AIRLINE_FILE) -> list[Example]:
    """600 US-airline tweets with the team's six-class labels (by tweet id): a validation set
    of real brand-addressed messages from another source than the gold set."""
    with (root / "airline_sentiment" / "Tweets.csv").open(encoding="utf-8") as fh:
        texts = {r["tweet_id"]: r["text"] for r in csv.DictReader(fh)}
    wanted = _labels_by_id(labels_file)
    return [Example(texts[i], lab, "airline6") for i, lab in wanted.items() if i in texts]


def airline_sentiment(root: Path) -> list[Example]:
    """US airline tweets with negative / neutral / positive (CC BY-NC-SA; evaluation only)."""
    with (root / "airline_sentiment" / "Tweets.csv").open(encoding="utf-8") as fh:
        return [Example(r["text"], r["airline_sentiment"], "airline") for r in csv.DictReader(fh)]


def _holdout(loader: Callable[[Path], list[Example]]) -> Callable[[Path], list[Example]]:
    return lambda root: datasets.split(loader(root), holdout=True)


def presidio(root: Path) -> list[dict[str, object]]:
    """Presidio synthetic sentences with entity spans (MIT)."""
    path = root / "pii_presidio_synth" / "synth_dataset_v2.json"
    rows: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


ISO_639_1 = {
    "eng": "en",
    "spa": "es",
    "fra": "fr",
    "deu": "de",
    "ita": "it",
    "por": "pt",
    "nld": "nl",
    "swe": "sv",
    "pol": "pl",
    "tur": "tr",
    "ind": "id",
    "rus": "ru",
    "ukr": "uk",
    "ell": "el",
    "arb": "ar",
    "ara": "ar",
    "pes": "fa",
    "fas": "fa",
    "heb": "he",
    "tha": "th",
    "hin": "hi",
    "ben": "bn",
    "tam": "ta",
    "kat": "ka",
    "hye": "hy",
    "tel": "te",
    "jpn": "ja",
    "kor": "ko",
    "cmn": "zh",
    "zho": "zh",
}


def tatoeba(root: Path, *, prefix: int = 0) -> list[Example]:
    """Tatoeba sentences (CC BY) in the languages the detector knows; `prefix` truncates."""
    path = root / "langid_tatoeba_cld2" / "tatoeba_long.txt"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) == 4 and parts[2] in ISO_639_1:
            text = parts[3][:prefix] if prefix else parts[3]
            out.append(Example(text, ISO_639_1[parts[2]], "tatoeba"))
    return out


SUITES: dict[str, Callable[[Path], list[Example]]] = {
    "tatoeba": tatoeba,
    "tatoeba30": lambda root: tatoeba(root, prefix=30),
    "complaints": complaints,
    "gold": gold_six_class,
    "sms": _holdout(datasets.sms_spam),
    "smishing": _holdout(datasets.smishing),
    "youtube": _holdout(datasets.youtube_spam),
    "airline": airline_sentiment,
    "airline6": airline_six_class,
}
