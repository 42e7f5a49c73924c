"""Text features for the linear models: word unigrams and bigrams plus in-word char n-grams.

Training (scikit-learn's TfidfVectorizer with `analyzer=analyze`) and inference (LinearModel)
use this one function, so the shipped model sees exactly the features it was trained on.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from itertools import pairwise
from typing import NamedTuple

from dmdesk.triage.normalize import strip_invisible
from dmdesk.triage.sentiment import NEGATIVE_WORDS, NEGATORS, POSITIVE_WORDS

MAX_CHARS = 1000
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|ly|io|co|me|xyz|top|info)\S*")
_URL_HINT = re.compile(r"\.(?:com|net|org|ly|io|co|me|xyz|top|info)")  # every bare _URL has one
_EMAIL = re.compile(r"\S+@\S+\.\w+")  # the definition; prepare() applies it via _email_run
_AT_RUN = re.compile(r"(?<!\S)\S*@\S*")
_LAST_DOT_WORD = re.compile(r".*\.(\w+)", re.DOTALL)
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
    text = text[: MAX_CHARS * 2]
    if not text.isascii():  # ASCII has no invisible characters and is its own NFKC form
        text = unicodedata.normalize("NFKC", strip_invisible(text))
    text = text[:MAX_CHARS]
    # each substitution is skipped when the character it needs is absent (same result)
    if "@" in text:
        text = _AT_RUN.sub(_email_run, text)
    if "://" in text or "www." in text or _URL_HINT.search(text):
        text = _URL.sub(" zzurl ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    text = _DIGITS.sub("0", text.lower())
    return _REPEAT.sub(r"\1\1", text)


def _email_run(match: re.Match[str]) -> str:
    """`_EMAIL.sub(" zzemail ", run)` for one whitespace-free run holding an "@", in linear
    time (the regex backtracks quadratically on "a@a@a@..."). Its match always starts at the
    run's start and ends after the word characters that follow the run's last "." + word
    character, provided an "@" sits between the first character and that "." minus one."""
    run = match.group()
    last = _LAST_DOT_WORD.match(run)
    if last is None or run.find("@", 1, max(1, last.start(1) - 2)) == -1:
        return run
    return " zzemail " + run[last.end() :]


def words(prepared: str) -> list[str]:
    return _WORD.findall(prepared)


CHAR_NGRAMS = (3, 4)
_TOKEN_CACHE_SIZE = 20_000  # about 1.3 kB a token: at most ~26 MB


class _Token(NamedTuple):
    """What a token contributes, computed once per distinct token and then reused."""

    word: str
    pair_head: str
    grams3: tuple[str, ...]
    grams4: tuple[str, ...]
    grams: tuple[str, ...]


_TOKENS: dict[str, _Token] = {}


def _char_grams(token: str, n: int) -> tuple[str, ...]:
    if len(token) < 3 or len(token) > 30:
        return ()
    padded = f"<{token}>"
    return tuple(padded[i : i + n] for i in range(len(padded) - n + 1))


def _token(token: str) -> _Token:
    entry = _TOKENS.get(token)
    if entry is None:
        if len(_TOKENS) >= _TOKEN_CACHE_SIZE:
            _TOKENS.clear()
        g3, g4 = _char_grams(token, 3), _char_grams(token, 4)
        entry = _TOKENS[token] = _Token(f"w:{token}", f"b:{token} ", g3, g4, g3 + g4)
    return entry


def analyze(text: str) -> list[str]:
    """Feature names: `w:` words, `b:` word pairs, `x:` lexicon cues (negative / positive /
    negation words), and unprefixed char 3-4-grams inside `<word>` (they never contain `:`
    or a space, so they cannot collide with the others).

    The per-token strings are cached: the list is the same, built with less work, and its
    strings keep their hashes for the vocabulary look-up."""
    toks = tokens(text)
    counts = Counter(toks)
    entries = {t: _token(t) for t in counts}
    feats = [entries[t].word for t in toks]
    feats += [entries[a].pair_head + b for a, b in pairwise(toks)]
    feats += filter(None, map(LEXICON.get, toks))
    for t, reps in counts.items():
        entry = entries[t]
        if reps == 1:
            feats += entry.grams
        else:
            feats += entry.grams3 * reps
            feats += entry.grams4 * reps
    return feats


def tokens(text: str) -> list[str]:
    """The message's tokens, in order (what `analyze` builds its features from)."""
    return words(prepare(text))


def occurrence_features(token: str) -> tuple[str, ...]:
    """What one occurrence of `token` adds to `analyze`'s list: its word feature, its lexicon
    cue if any, and its char grams. Word pairs (`pair_feature`) come on top."""
    entry = _token(token)
    cue = LEXICON.get(token)
    return (entry.word, cue, *entry.grams) if cue else (entry.word, *entry.grams)


def pair_feature(first: str, second: str) -> str:
    return f"b:{first} {second}"


def feature_counts(text: str) -> Counter[str]:
    """`Counter(analyze(text))`: what the linear models read."""
    return Counter(analyze(text))


def is_readable(feature: str) -> bool:
    """Word and word-pair features make sense as reasons; char n-grams do not."""
    return feature.startswith(("w:", "b:")) and "zz" not in feature and len(feature) > 3


def readable(feature: str) -> str:
    return feature[2:]
