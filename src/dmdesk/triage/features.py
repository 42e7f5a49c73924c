"""Text features for the linear models: word unigrams and bigrams plus in-word char n-grams.

Training (scikit-learn's TfidfVectorizer with `analyzer=analyze`) and inference (LinearModel)
use this one function, so the shipped model sees exactly the features it was trained on.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from itertools import pairwise

from dmdesk.triage.normalize import strip_invisible
from dmdesk.triage.sentiment import NEGATIVE_WORDS, NEGATORS, POSITIVE_WORDS

MAX_CHARS = 1000
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|ly|io|co|me|xyz|top|info)\S*")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_DIGITS = re.compile(r"\d")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[!?]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_REPEAT = re.compile(r"(.)\1{2,}")
LEXICON = (
    dict.fromkeys(NEGATIVE_WORDS, "x:neg")
    | dict.fromkeys(POSITIVE_WORDS, "x:pos")
    | dict.fromkeys(NEGATORS, "x:not")
)


def prepare(text: str) -> str:
    """Lower-cased, NFKC, invisible characters dropped, links/e-mails/handles/digits tokenised."""
    text = unicodedata.normalize("NFKC", strip_invisible(text[: MAX_CHARS * 2]))[:MAX_CHARS]
    text = _EMAIL.sub(" zzemail ", text)
    text = _URL.sub(" zzurl ", text)
    text = _MENTION.sub(" ", text)
    text = _DIGITS.sub("0", text.lower())
    return _REPEAT.sub(r"\1\1", text)


def words(prepared: str) -> list[str]:
    return _WORD.findall(prepared)


CHAR_NGRAMS = (3, 4)


def analyze(text: str) -> list[str]:
    """Feature names: `w:` words, `b:` word pairs, `x:` lexicon cues (negative / positive /
    negation words), and unprefixed char 3-4-grams inside `<word>` (they never contain `:`
    or a space, so they cannot collide with the others)."""
    toks = words(prepare(text))
    feats = list(map("w:".__add__, toks))
    feats += [f"b:{a} {b}" for a, b in pairwise(toks)]
    feats += [cue for t in toks if (cue := LEXICON.get(t)) is not None]
    for t, reps in Counter(toks).items():
        if len(t) < 3 or len(t) > 30:
            continue
        padded = f"<{t}>"
        for n in CHAR_NGRAMS:
            feats += [padded[i : i + n] for i in range(len(padded) - n + 1)] * reps
    return feats


def is_readable(feature: str) -> bool:
    """Word and word-pair features make sense as reasons; char n-grams do not."""
    return feature.startswith(("w:", "b:")) and "zz" not in feature and len(feature) > 3


def readable(feature: str) -> str:
    return feature[2:]
