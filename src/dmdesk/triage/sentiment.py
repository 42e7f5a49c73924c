"""Sentiment from -1 to 1 with a label: a small hand-written lexicon with negation and emoji.

Transparent on purpose: the words that moved the score are returned for the reasons.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from dmdesk.domain.triage import SentimentLabel

_NEG = [
    "delay",
    "delays",
    "waited",
    "stranded",
    "unhelpful",
    "lied",
    "lies",
    "sucked",
    "ripoff",
    "overpriced",
    "worthless",
    "bad",
    "awful",
    "terrible",
    "horrible",
    "worst",
    "useless",
    "ridiculous",
    "unacceptable",
    "disappointed",
    "disappointing",
    "disappointment",
    "angry",
    "annoyed",
    "annoying",
    "frustrated",
    "frustrating",
    "furious",
    "disgusted",
    "disgusting",
    "rude",
    "broken",
    "damaged",
    "missing",
    "lost",
    "late",
    "delayed",
    "never",
    "scam",
    "fraud",
    "hate",
    "hated",
    "sucks",
    "pathetic",
    "joke",
    "shambles",
    "waste",
    "poor",
    "wrong",
    "failed",
    "fail",
    "crash",
    "crashing",
    "crashed",
    "complaint",
    "complain",
    "cancelled",
    "canceled",
    "overcharged",
    "stolen",
    "hacked",
    "unhappy",
    "sad",
    "upset",
    "shocking",
    "appalling",
    "ripped",
    "misleading",
    "dirty",
    "cold",
    "nobody",
    "ignored",
    "infuriating",
    "dangerous",
    "ruined",
    "error",
    "problem",
    "issue",
    "issues",
    "stuck",
    "nothing",
    "worse",
    "fuming",
    "mal",
    "péssimo",
    "terrible",
    "nul",
    "déçu",
    "déçue",
    "enttäuschend",
    "schlecht",
    "molesto",
    "pésimo",
]
_POS = [
    "good",
    "great",
    "love",
    "loved",
    "lovely",
    "amazing",
    "awesome",
    "excellent",
    "perfect",
    "thanks",
    "thank",
    "happy",
    "glad",
    "best",
    "beautiful",
    "fantastic",
    "wonderful",
    "helpful",
    "nice",
    "cool",
    "brilliant",
    "superb",
    "gorgeous",
    "recommend",
    "delicious",
    "fun",
    "quick",
    "fast",
    "easy",
    "smooth",
    "appreciate",
    "appreciated",
    "pleased",
    "congrats",
    "congratulations",
    "kind",
    "friendly",
    "impressed",
    "enjoy",
    "enjoyed",
    "favourite",
    "favorite",
    "merci",
    "gracias",
    "danke",
    "grazie",
    "obrigado",
    "obrigada",
    "genial",
    "génial",
    "super",
]
_STRONG = frozenset(
    [
        "worst",
        "awful",
        "horrible",
        "disgusting",
        "furious",
        "unacceptable",
        "pathetic",
        "appalling",
        "infuriating",
        "disgusted",
        "fuming",
        "shambles",
        "scam",
        "fraud",
        "dangerous",
    ]
)
_NEGATORS = frozenset(
    ["not", "no", "never", "dont", "don't", "didn't", "isn't", "wasn't", "can't", "cannot", "won't"]
)
NEGATORS = _NEGATORS | {"still", "haven't", "hasn't", "again"}
_INTENSIFIERS = frozenset(
    ["very", "so", "really", "extremely", "totally", "absolutely", "completely"]
)
_EMOJI = {
    "😡": -2.0,
    "🤬": -2.5,
    "😠": -1.5,
    "😤": -1.0,
    "😢": -1.0,
    "😭": -1.0,
    "👎": -1.5,
    "💩": -1.5,
    "🙄": -0.8,
    "😒": -0.8,
    "😞": -1.0,
    "😍": 1.5,
    "❤": 1.5,
    "❤️": 1.5,
    "🥰": 1.5,
    "😊": 1.0,
    "🙂": 0.5,
    "👍": 1.0,
    "🙏": 0.5,
    "🎉": 1.0,
    "💕": 1.0,
    "😀": 1.0,
}
NEGATIVE_WORDS = frozenset(_NEG) | _STRONG
POSITIVE_WORDS = frozenset(_POS)
_WEIGHTS = dict.fromkeys(_NEG, -1.0) | dict.fromkeys(_POS, 1.0) | dict.fromkeys(_STRONG, -2.0)
_TOKEN = re.compile(r"[\w']+|[!?]{2,}|[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?")


@dataclass(frozen=True)
class Sentiment:
    score: float
    label: SentimentLabel
    words: tuple[str, ...]


def _label(score: float) -> SentimentLabel:
    if score <= -0.25:
        return "negative"
    return "positive" if score >= 0.25 else "neutral"


def analyse_sentiment(text: str) -> Sentiment:
    """Lexicon score squashed with tanh; "!!!" and capitals amplify, negation flips."""
    tokens = _TOKEN.findall(text[:2000])
    lows = list(map(str.lower, tokens))
    if _WEIGHTS.keys().isdisjoint(lows) and _EMOJI.keys().isdisjoint(tokens):
        return _NEUTRAL  # no scored word: the total stays 0 whatever else is there
    total, hits = 0.0, []
    for i in _scored_positions(tokens, lows):
        tok, low = tokens[i], lows[i]
        weight = _WEIGHTS.get(low, _EMOJI.get(tok, 0.0))
        if weight:
            before = lows[max(0, i - 2) : i]
            if not _INTENSIFIERS.isdisjoint(before):
                weight *= 1.5
            if not _NEGATORS.isdisjoint(before):
                weight *= -0.6
            total += weight
            hits.append(low)
        elif total < 0:
            total -= 0.5
    if total < 0 and sum(t.isupper() and len(t) > 2 for t in tokens) >= 2:
        total *= 1.3  # shouting
    score = math.tanh(total / 2.5)
    return Sentiment(round(score, 4), _label(score), tuple(dict.fromkeys(hits))[:5])


_NEUTRAL = Sentiment(0.0, "neutral", ())


def _scored_positions(tokens: list[str], lows: list[str]) -> list[int]:
    """Tokens that can move the score: lexicon words, emoji, and runs of "!!" or "??"."""
    return [
        i
        for i, low in enumerate(lows)
        if low in _WEIGHTS or tokens[i] in _EMOJI or low.startswith(("!!", "??"))
    ]
