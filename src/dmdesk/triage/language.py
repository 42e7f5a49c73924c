"""Language of a message (ISO 639-1, or "und"): writing system first, then common words.

Small, fast and dependency-free: non-Latin scripts decide most languages outright; Latin-script
text is scored on short lists of frequent function words and a few tell-tale letters.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

_SCRIPTS = (
    ("\u3040", "\u30ff", "ja"),
    ("\uac00", "\ud7af", "ko"),
    ("\u1100", "\u11ff", "ko"),
    ("\u4e00", "\u9fff", "zh"),
    ("\u0400", "\u04ff", "ru"),
    ("\u0370", "\u03ff", "el"),
    ("\u0600", "\u06ff", "ar"),
    ("\u0590", "\u05ff", "he"),
    ("\u0e00", "\u0e7f", "th"),
    ("\u0900", "\u097f", "hi"),
    ("\u0980", "\u09ff", "bn"),
    ("\u0b80", "\u0bff", "ta"),
    ("\u10a0", "\u10ff", "ka"),
    ("\u0530", "\u058f", "hy"),
    ("\u0c00", "\u0c7f", "te"),
)
_STOPWORDS = {
    "en": "the and you to is it my i for of in on this that with have your me are was not "
    "can please do what how but be just at so get will thanks hi hello",
    "es": "el la los las de que y en un una por con para es no mi se lo su al pero como "
    "tienen hola gracias está pedido muy",
    "fr": "le la les de des et est un une pour pas je vous que qui dans sur mon ma avec "
    "ce bonjour merci très ne",
    "de": "der die das und ist nicht ich sie wir ein eine zu mit für auf mein meine den "
    "dem ist hallo danke sehr bitte auch",
    "it": "il lo la gli le di che e è un una per non sono mi con del della ciao grazie "
    "molto ho questo",
    "pt": "o a os as de que e é um uma para não com meu minha do da em por você olá "
    "obrigado obrigada muito",
    "nl": "de het een en van ik je niet is dat op met voor zijn mijn maar wat hoi dank "
    "bedankt graag",
    "sv": "och att det är jag inte en som på för med har min du vi hej tack",
    "pl": "i w nie na się to jest że z do jak mi co ale dzień dobry dziękuję moje",
    "tr": "ve bir bu da de için ben ne çok mi var değil merhaba teşekkürler siparişim",
    "id": "dan yang di ini itu saya tidak ada dengan untuk ke apa terima kasih halo",
}
_STOP: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOPWORDS.items():
    for _w in set(_words.split()):
        _STOP[_w] = (*_STOP.get(_w, ()), _lang)
_LETTERS = {"es": "ñ¿¡", "de": "ßäöü", "fr": "çèêàù", "pt": "ãõç", "pl": "ąęłśźżć", "tr": "ğış"}
_WORD = re.compile(r"[^\W\d_]+")
_UKRAINIAN = frozenset("іїєґ")
_PERSIAN = frozenset("پچژگ")


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confidence: float


_LETTER = re.compile(r"[^\W\d_]")
_BY_START = sorted(range(len(_SCRIPTS)), key=lambda k: _SCRIPTS[k][0])
_SORTED_STARTS = [_SCRIPTS[k][0] for k in _BY_START]


def _range_counts(text: str) -> list[int]:
    """How many characters of `text` fall in each range of `_SCRIPTS` (in that order)."""
    per_range = [0] * len(_SCRIPTS)
    for ch, n in Counter(text).items():
        if ch < "\u0370":
            continue
        pos = bisect_right(_SORTED_STARTS, ch) - 1
        if pos >= 0:
            k = _BY_START[pos]
            if ch <= _SCRIPTS[k][1]:
                per_range[k] += n
    return per_range


def _script_language(text: str) -> tuple[str, float] | None:
    if text.isascii():
        return None
    counts: dict[str, int] = {}
    for (_, _, lang), n in zip(_SCRIPTS, _range_counts(text), strict=True):
        if n:
            counts[lang] = counts.get(lang, 0) + n
    if not counts:
        return None
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return None
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    if n / letters < 0.5:
        return None
    if lang == "zh" and "ja" in counts:
        lang = "ja"
    chars = set(text)
    if lang == "ru" and chars & _UKRAINIAN:
        lang = "uk"
    if lang == "ar" and chars & _PERSIAN:
        lang = "fa"
    return lang, min(0.99, 0.6 + 0.4 * n / letters)


def detect_language(text: str) -> LanguageGuess:
    """The most likely language and a 0-1 confidence; "und" when nothing tells."""
    sample = text[:600]
    by_script = _script_language(sample)
    if by_script is not None:
        return LanguageGuess(*by_script)
    lowered = sample.lower()
    words = _WORD.findall(lowered)
    if not words:
        return LanguageGuess("und", 0.0)
    scores = dict.fromkeys(_STOPWORDS, 0.0)
    for langs in filter(None, map(_STOP.get, words)):
        for lang in langs:
            scores[lang] += 1
    if not lowered.isascii():  # the tell-tale letters are all outside ASCII
        for lang, letters in _LETTERS.items():
            scores[lang] += sum(0.5 for ch in letters if ch in lowered)
    top, second = sorted(scores.values(), reverse=True)[:2]
    if top == 0:
        return LanguageGuess("und", 0.0)
    # ties go to English, then to the first language listed
    best = "en" if scores["en"] == top else next(k for k, v in scores.items() if v == top)
    margin = (top - second) / top
    coverage = min(1.0, top / max(len(words), 1) * 2.5)
    return LanguageGuess(best, round(0.3 + 0.35 * margin + 0.35 * coverage, 3))
