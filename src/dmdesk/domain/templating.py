"""Saved-reply variables: a tiny renderer over an allow-list, with no attribute access.

`{{contact.first_name}}` is looked up as that exact string in a flat mapping of plain
strings; values are inserted once and never re-parsed, so they cannot inject variables.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

ALLOWED = (
    "contact.first_name",
    "contact.name",
    "contact.handle",
    "agent.name",
    "agent.first_name",
    "order.number",
    "next_opening",
    "workspace.name",
)
PERSONAL = frozenset({"contact.first_name", "contact.name", "contact.handle", "order.number"})
# Anything between double braces is a placeholder; only allow-listed names ever resolve.
PLACEHOLDER = re.compile(r"\{\{(.{0,80}?)\}\}", re.DOTALL)


@dataclass(frozen=True)
class Rendered:
    text: str
    unresolved: tuple[str, ...]  # allowed names with no value here
    unknown: tuple[str, ...]  # anything not on the allow-list

    @property
    def ok(self) -> bool:
        return not self.unresolved and not self.unknown


def variables_in(body: str) -> list[str]:
    return [m.group(1).strip() for m in PLACEHOLDER.finditer(body)]


def render(body: str, values: Mapping[str, str | None]) -> Rendered:
    """Fill allow-listed variables; missing or unknown ones stay as written and are listed."""
    unresolved: list[str] = []
    unknown: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name not in ALLOWED:
            unknown.append(name)
            return match.group(0)
        value = values.get(name)
        if not value:
            unresolved.append(name)
            return match.group(0)
        return str(value)

    text = PLACEHOLDER.sub(fill, body)
    return Rendered(text, tuple(dict.fromkeys(unresolved)), tuple(dict.fromkeys(unknown)))


def render_html(body: str, values: Mapping[str, str | None]) -> str:
    """The preview for a page: everything escaped, unfilled placeholders marked."""
    parts: list[str] = []
    last = 0
    for match in PLACEHOLDER.finditer(body):
        parts.append(html.escape(body[last : match.start()]))
        name = match.group(1).strip()
        value = values.get(name) if name in ALLOWED else None
        if value:
            parts.append(html.escape(str(value)))
        else:
            parts.append(f'<mark class="unresolved">{html.escape(match.group(0))}</mark>')
        last = match.end()
    parts.append(html.escape(body[last:]))
    return "".join(parts)


def first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def personalisation_warning(body: str, sent_text: str) -> str | None:
    """Warn when a saved reply goes out with its generic first line untouched."""
    opening = first_line(body)
    if any(v in PERSONAL for v in variables_in(opening)):
        return None
    if first_line(sent_text) == opening:
        return "the first line is not personalised: greet the person or mention their case"
    return None
