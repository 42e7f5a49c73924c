"""Text normalisation shared by the steps: zero-width removal and homoglyph folding.

Folding maps look-alike letters from other scripts (Cyrillic `а`, Greek `ο`) and digits used
as letters in domains to ASCII, so `pаypal` and `paypa1` both compare as `paypal`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

_CONFUSABLES = {
    # Cyrillic
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ԁ": "d",
    "ɡ": "g",
    "ո": "n",
    "ս": "u",
    "ӏ": "l",
    "ԛ": "q",
    "ԝ": "w",
    "А": "a",
    "В": "b",
    "Е": "e",
    "К": "k",
    "М": "m",
    "Н": "h",
    "О": "o",
    "Р": "p",
    "С": "c",
    "Т": "t",
    "Х": "x",
    "Ѕ": "s",
    "І": "i",
    "Ј": "j",
    # Greek
    "α": "a",
    "ο": "o",
    "ν": "v",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "ι": "i",
    "κ": "k",
    "Α": "a",
    "Β": "b",
    "Ε": "e",
    "Ζ": "z",
    "Η": "h",
    "Ι": "i",
    "Κ": "k",
    "Μ": "m",
    "Ν": "n",
    "Ο": "o",
    "Ρ": "p",
    "Τ": "t",
    "Υ": "y",
    "Χ": "x",
    # Latin look-alikes
    "ı": "i",
    "ł": "l",
    "ɑ": "a",
    "ɩ": "i",
    "ʟ": "l",
}
_DIGIT_LETTERS = str.maketrans({"0": "o", "1": "l", "3": "e", "5": "s", "4": "a", "7": "t"})
_FOLD = str.maketrans(_CONFUSABLES)


def strip_invisible(text: str) -> str:
    """Drop zero-width and bidi control characters used to split words and links."""
    if text.isascii():  # O(1) in CPython; every invisible character is outside ASCII
        return text
    return ZERO_WIDTH.sub("", text)


def fold_confusables(text: str) -> str:
    """NFKC, lower case, and map look-alike letters from other scripts to ASCII."""
    if text.isascii():  # ASCII is its own NFKC form and holds no look-alikes to fold
        return text.lower()
    return unicodedata.normalize("NFKC", strip_invisible(text)).translate(_FOLD).lower()


@lru_cache(maxsize=4096)
def skeleton(label: str) -> str:
    """A domain label reduced to what a reader sees: `paypa1` -> `paypal`, `rn` -> `m`."""
    folded = fold_confusables(label).translate(_DIGIT_LETTERS)
    return folded.replace("rn", "m").replace("vv", "w").replace("-", "")


def has_mixed_scripts(word: str) -> bool:
    """True when a word mixes Latin letters with Cyrillic or Greek ones."""
    if word.isascii():
        return False
    scripts = set()
    for ch in word:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            scripts.add(name.split(" ", 1)[0])
    return "LATIN" in scripts and bool(scripts & {"CYRILLIC", "GREEK"})
