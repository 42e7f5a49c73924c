"""Personal data in a message: e-mail, phone, payment card (Luhn) and IBAN (mod-97).

Findings carry offsets and a masked preview only; `mask_pii` blanks them out of a text.
"""

from __future__ import annotations

import re

import phonenumbers

from dmdesk.domain.triage import PiiFinding

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
CARD = re.compile(r"(?<![\d\w+])\d(?:[ -]?\d){11,18}(?![\d\w])")
IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])", re.IGNORECASE
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)?\(?\d[\d ().\-]{5,20}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w])"
)
_DATE = re.compile(r"^\d{4}[./-]\d{1,2}[./-]\d{1,2}\b|^\d{1,2}[./-]\d{1,2}[./-]\d{4}$")
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$|^\d{3}-\d{2}-\d{4}$")
_GROUPS = re.compile(r"\d+")
_DIGITS = re.compile(r"\d")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by every payment card number."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """ISO 13616 mod-97 check on an IBAN without spaces."""
    code = iban.replace(" ", "").upper()
    if not 15 <= len(code) <= 34 or not code[:2].isalpha() or not code[2:4].isdigit():
        return False
    moved = code[4:] + code[:4]
    try:
        number = "".join(str(int(ch, 36)) for ch in moved)
    except ValueError:  # "İ", "ı", "ſ" and the Kelvin sign match [A-Z] case-insensitively
        return False
    return int(number) % 97 == 1


def _mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    tld = domain.rsplit(".", 1)[-1]
    return f"{local[:1]}***@***.{tld}"


def _mask_tail(kind: str, value: str, keep: int) -> str:
    digits = "".join(_DIGITS.findall(value)) if kind != "iban" else value.replace(" ", "")
    head = digits[:2] if kind == "iban" else ""
    return f"{head}{'*' * max(len(digits) - keep - len(head), 0)}{digits[-keep:]}"


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in taken)


def _cards(text: str, taken: list[tuple[int, int]]) -> list[PiiFinding]:
    found = []
    for m in CARD.finditer(text):
        digits = "".join(_DIGITS.findall(m.group()))
        if 12 <= len(digits) <= 19 and luhn_ok(digits):
            found.append(PiiFinding("card", m.start(), m.end(), _mask_tail("card", digits, 4)))
            taken.append((m.start(), m.end()))
    return found


def _ibans(text: str, taken: list[tuple[int, int]]) -> list[PiiFinding]:
    found = []
    for m in IBAN.finditer(text):
        value = _valid_iban_prefix(m.group())
        end = m.start() + len(value)
        if value and not _overlaps(m.start(), end, taken):
            found.append(PiiFinding("iban", m.start(), end, _mask_tail("iban", value, 4)))
            taken.append((m.start(), end))
    return found


def _valid_iban_prefix(value: str) -> str:
    """The longest space-bounded prefix that passes mod-97 (the regex may run into words)."""
    while value:
        if iban_ok(value):
            return value
        if " " not in value:
            return ""
        value = value.rsplit(" ", 1)[0]
    return ""


def _phone_ok(value: str) -> bool:
    digits = "".join(_DIGITS.findall(value.split("x")[0].split("ext")[0]))
    if not 7 <= len(digits) <= 15 or _DATE.match(value) or _IP.match(value):
        return False
    if value.startswith(("+", "00")):
        try:
            parsed = phonenumbers.parse("+" + digits.removeprefix("00"), None)
        except phonenumbers.NumberParseException:
            return False
        return bool(phonenumbers.is_possible_number(parsed))
    groups = _GROUPS.findall(value)
    if len(digits) < 10 and len(groups) > 1:
        # short local numbers: a 5-digit head or a 2-digit tail reads as a postcode or street
        return len(groups[0]) <= 4 and (len(groups[-1]) >= 3 or len(groups) >= 4)
    return len(groups) > 1 or len(digits) <= 11


def _phones(text: str, taken: list[tuple[int, int]]) -> list[PiiFinding]:
    found = []
    for m in PHONE.finditer(text):
        value = m.group().rstrip(" .-(")
        end = m.start() + len(value)
        if _phone_ok(value) and not _overlaps(m.start(), end, taken):
            found.append(PiiFinding("phone", m.start(), end, _mask_tail("phone", value, 2)))
            taken.append((m.start(), end))
    return found


def _digit_count(text: str) -> int:
    if text.isascii():  # str.count runs in C; only 0-9 are digits in ASCII
        return sum(map(text.count, "0123456789"))
    return len(_DIGITS.findall(text))


def find_pii(text: str) -> tuple[PiiFinding, ...]:
    """Every e-mail, phone, Luhn-valid card and mod-97-valid IBAN, ordered by position."""
    taken: list[tuple[int, int]] = []
    found: list[PiiFinding] = []
    if "@" in text:
        for m in EMAIL.finditer(text):
            found.append(PiiFinding("email", m.start(), m.end(), _mask_email(m.group())))
            taken.append((m.start(), m.end()))
    if _digit_count(text) >= 7:
        found += _ibans(text, taken)
        found += _cards(text, taken)
        found += _phones(text, taken)
    return tuple(sorted(found, key=lambda f: f.start))


def mask_pii(text: str, findings: tuple[PiiFinding, ...] | list[PiiFinding]) -> str:
    """The text with each finding replaced by `[kind]`, safe to log or show in a list view."""
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < pos:
            continue
        out += [text[pos : f.start], f"[{f.kind}]"]
        pos = f.end
    out.append(text[pos:])
    return "".join(out)
