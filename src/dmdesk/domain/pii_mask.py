"""Who may see personal data, and masking it: pure helpers for views, exports and logs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
# Seven or more digits, optionally separated: phones and card numbers alike.
DIGITS = re.compile(r"\+?\d(?:[\s().-]{0,2}\d){6,}")
SEE_ROLES = frozenset({"admin", "supervisor"})


class HasRole(Protocol):
    @property
    def role(self) -> str: ...


def can_view_pii(user: HasRole, *, granted: bool = False) -> bool:
    """Admins and supervisors see personal data; agents only with the explicit grant."""
    return user.role in SEE_ROLES or granted


def _span(finding: Any) -> tuple[int, int, str]:
    if isinstance(finding, Mapping):
        return int(finding["start"]), int(finding["end"]), str(finding.get("kind", "pii"))
    return int(finding.start), int(finding.end), str(finding.kind)


def find_spans(text: str) -> list[tuple[int, int, str]]:
    """A coarse detector (e-mail, IBAN, long digit runs) used when no triage findings exist;
    it errs on masking too much."""
    spans = [(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
    spans += [(m.start(), m.end(), "iban") for m in IBAN.finditer(text)]
    for m in DIGITS.finditer(text):
        digits = sum(ch.isdigit() for ch in m.group())
        spans.append((m.start(), m.end(), "card" if 13 <= digits <= 19 else "phone"))
    return spans


def mask_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Replace each span with `[kind]`; overlapping spans are merged into the first."""
    out: list[str] = []
    pos = 0
    for start, end, kind in sorted(spans):
        if start < pos or end > len(text):
            continue
        out += [text[pos:start], f"[{kind}]"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_text(text: str | None, findings: Iterable[Any] | None = None) -> str | None:
    """Mask triage findings plus anything the coarse detector sees."""
    if not text:
        return text
    spans = [_span(f) for f in findings or ()]
    return mask_spans(text, [*spans, *find_spans(text)])


def mask_for(
    user: HasRole, text: str | None, findings: Iterable[Any] | None, *, granted: bool = False
) -> str | None:
    """What `user` may see of `text`: the original, or personal data replaced by `[kind]`."""
    if can_view_pii(user, granted=granted):
        return text
    return mask_text(text, findings)


# The search index masks with these, in this order; migration 0303 mirrors them in SQL
# for PostgreSQL (`dmdesk_mask_pii`), so both engines index the same words.
INDEX_MASKS = (
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}\b"), "[iban]"),
    (re.compile(r"\+?[0-9](?:[\s().-]{0,2}[0-9]){6,}"), "[number]"),
)


def mask_for_index(text: str | None) -> str | None:
    """What the full-text index may hold of a message: e-mails, IBANs and every run of
    seven or more digits (phones, cards, account numbers) replaced by a label."""
    if text is None:
        return None
    for pattern, label in INDEX_MASKS:
        text = pattern.sub(label, text)
    return text
