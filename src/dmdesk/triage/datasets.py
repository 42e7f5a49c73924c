"""Labelled examples: the seed corpus, user files, and the permissive shared sets (read in place).

Every loader says which licence its rows carry; only sets whose licence allows a shipped
model (CC BY, MIT, Apache) are loaded here. Evaluation-only sets live in `evalsets.py`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

SEED_SOURCE = "dmdesk seed corpus (written for this project, Apache-2.0)"
HOLDOUT_PERCENT = 20
BANKING77_SALES = frozenset(
    [
        "getting_virtual_card",
        "getting_spare_card",
        "order_physical_card",
        "supported_cards_and_currencies",
        "fiat_currency_support",
        "country_support",
        "age_limit",
        "visa_or_mastercard",
        "disposable_card_limits",
        "top_up_limits",
        "exchange_charges",
    ]
)
BANKING77_COMPLAINT = frozenset(
    [
        "transaction_charged_twice",
        "wrong_amount_of_cash_received",
        "card_payment_wrong_exchange_rate",
        "extra_charge_on_statement",
        "card_payment_fee_charged",
        "cash_withdrawal_charge",
        "declined_card_payment",
        "card_swallowed",
    ]
)
CLINC_GENERAL_DOMAINS = frozenset({"small_talk", "meta"})
CLINC_SUPPORT_DOMAINS = frozenset({"banking", "credit_cards"})


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str


def shared_data_dir() -> Path | None:
    """`$DMDESK_SHARED_DATA`, or `shared/data` beside the repository; None when absent."""
    env = os.environ.get("DMDESK_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[4] / "shared" / "data")
    candidates.append(Path.cwd().parent / "shared" / "data")
    return next((c for c in candidates if c.is_dir()), None)


def bucket(text: str) -> int:
    """A stable 0-99 bucket from the normalised text, so duplicates across sets share a side."""
    key = " ".join(text.lower().split()).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(key, digest_size=4).digest(), "big") % 100


def is_holdout(text: str) -> bool:
    return bucket(text) < HOLDOUT_PERCENT


def split(examples: Iterable[Example], *, holdout: bool) -> list[Example]:
    return [e for e in examples if is_holdout(e.text) == holdout]


def seed_examples(name: str = "seed.jsonl") -> list[Example]:
    """The seed corpus (`seed.jsonl`), or another file of the seed folder: `spam_ham.jsonl`
    holds innocent customer DMs that use words common in SMS and YouTube spam, written for the
    spam model's ham side (their category labels are kept but do not train the category model)."""
    raw = resources.files("dmdesk.triage").joinpath(f"seed/{name}").read_text("utf-8")
    rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
    return [Example(r["text"], r["label"], "seed") for r in rows]


def read_labelled(path: Path, *, text_col: str = "text", label_col: str = "label") -> list[Example]:
    """A user's CSV or JSONL of labelled messages (corrections use the same shape)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        if path.suffix.lower() in {".jsonl", ".json", ".ndjson"}:
            rows: Iterator[dict[str, str]] = (json.loads(line) for line in fh if line.strip())
            items = [(str(r.get(text_col, "")), str(r.get(label_col, ""))) for r in rows]
        else:
            items = [(r.get(text_col) or "", r.get(label_col) or "") for r in csv.DictReader(fh)]
    return [Example(t, lab.strip(), path.name) for t, lab in items if lab.strip()]


def _per_group(rows: list[tuple[str, str]], *, limit: int) -> list[tuple[str, str]]:
    """At most `limit` rows per group, picked by hash so the choice is deterministic."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for text, group in sorted(rows, key=lambda r: (bucket(r[0] + "#"), r[0])):
        groups.setdefault(group, [])
        if len(groups[group]) < limit:
            groups[group].append((text, group))
    return [r for g in groups.values() for r in g]


def banking77(root: Path, *, per_intent: int = 14) -> list[Example]:
    """CC BY 4.0. Card/account queries: mostly support, pre-purchase intents as sales."""
    with (root / "banking77" / "train.csv").open(encoding="utf-8") as fh:
        rows = [(r["text"], r["category"]) for r in csv.DictReader(fh)]
    out = []
    for text, intent in _per_group(rows, limit=per_intent):
        label = "sales" if intent in BANKING77_SALES else "support"
        if intent in BANKING77_COMPLAINT:
            label = "complaint"
        out.append(Example(text, label, "banking77"))
    return out


def clinc150(root: Path, *, per_intent: int = 12) -> list[Example]:
    """CC BY 3.0. Small talk and meta as general; banking and card questions as support."""
    data = json.loads((root / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    domains = json.loads((root / "clinc150" / "domains.json").read_text(encoding="utf-8"))
    domain_of = {intent: d for d, intents in domains.items() for intent in intents}
    rows = [(t, i) for t, i in data["train"] if domain_of.get(i) in CLINC_GENERAL_DOMAINS]
    support = [(t, i) for t, i in data["train"] if domain_of.get(i) in CLINC_SUPPORT_DOMAINS]
    out = [Example(t, "general", "clinc150") for t, _ in _per_group(rows, limit=per_intent)]
    out += [Example(t, "support", "clinc150") for t, _ in _per_group(support, limit=4)]
    return out


def sms_spam(root: Path) -> list[Example]:
    """CC BY 4.0. UCI SMS Spam Collection: spam / ham."""
    lines = (root / "sms_spam_collection" / "SMSSpamCollection").read_text("utf-8").splitlines()
    pairs = [line.split("\t", 1) for line in lines if "\t" in line]
    return [Example(t, "spam" if lab == "spam" else "ham", "sms_spam") for lab, t in pairs]


def smishing(root: Path) -> list[Example]:
    """CC BY 4.0. Mishra & Soni: smishing and spam as spam, ham as ham."""
    path = root / "smishing_mishra_soni" / "Dataset_5971.csv"
    with path.open(encoding="utf-8", errors="replace") as fh:
        rows = list(csv.DictReader(fh))
    return [
        Example(r["TEXT"], "ham" if r["LABEL"].lower() == "ham" else "spam", "smishing")
        for r in rows
    ]


def youtube_spam(root: Path) -> list[Example]:
    """CC BY 4.0. TubeSpam comments: CLASS 1 spam, 0 ham."""
    out = []
    for path in sorted((root / "youtube_spam").glob("Youtube*.csv")):
        with path.open(encoding="utf-8", errors="replace") as fh:
            for r in csv.DictReader(fh):
                text = r["CONTENT"].replace("<br />", " ").replace("\ufeff", "")
                out.append(Example(text, "spam" if r["CLASS"] == "1" else "ham", "youtube_spam"))
    return out


def _ibm_client_messages(root: Path) -> list[tuple[str, str]]:
    """(tweet id, text) of every customer message in the IBM dev and test conversations."""
    out = []
    for name in ("dev.json", "test.json"):
        path = root / "ibm_twitter_customer_care" / name
        for conv in json.loads(path.read_text(encoding="utf-8")):
            out += [
                (str(m.get("tweet_ID", "")), str(m["message"]))
                for m in conv.get("dialogContent", [])
                if "client" in m and m.get("message")
            ]
    return out


def ibm_customer_care(root: Path) -> list[Example]:
    """Apache-2.0. Customers' tweets to 25 brand care accounts: real brand-addressed ham."""
    return [Example(t, "ham", "ibm_customer_care") for _, t in _ibm_client_messages(root)]


def ibm_labelled(root: Path) -> list[Example]:
    """Apache-2.0 tweets from the IBM set with six-class labels the team assigned by tweet id."""
    raw = resources.files("dmdesk.triage").joinpath("seed/ibm_labels.tsv").read_text("utf-8")
    lines = [line.split("\t", 1) for line in raw.splitlines() if not line.startswith("#")]
    wanted = {parts[0]: parts[1].strip() for parts in lines if len(parts) == 2}
    return [
        Example(text, wanted[tid], "ibm_labelled")
        for tid, text in _ibm_client_messages(root)
        if tid in wanted
    ]


ATTRIBUTION = {
    "ibm_labelled": "Twitter customer care conversations (IBM, Apache-2.0), labels by dmdesk",
    "ibm_customer_care": "Twitter customer care conversations, Mohapatra et al. 2020 (IBM), "
    "Apache-2.0",
    "seed": SEED_SOURCE,
    "banking77": "BANKING77, Casanueva et al. 2020 (PolyAI), CC BY 4.0",
    "clinc150": "CLINC150, Larson et al. 2019 (Clinc), CC BY 3.0",
    "sms_spam": "SMS Spam Collection v.1, Almeida, Gomez Hidalgo, Yamakami 2011 (UCI), CC BY 4.0",
    "smishing": "SMS Phishing Dataset, Mishra & Soni 2022 (Mendeley Data), CC BY 4.0",
    "youtube_spam": "YouTube Spam Collection, Alberto, Lochter, Almeida 2015 (UCI), CC BY 4.0",
}
