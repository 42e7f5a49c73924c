"""Jinja environment, asset URLs with content fingerprints, filters and the page nav."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from dmdesk.domain.enums import Role
from dmdesk.web import present

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))


@dataclass(frozen=True)
class NavLink:
    """A page in the rail's top list; other pages (dashboard, settings) append theirs."""

    key: str
    label: str
    href: str
    icon: str = "page"
    # The least role that may open the page; the rail hides the link from everyone below it.
    min_role: str = "agent"

    def shown_to(self, role: str) -> bool:
        return Role(role).at_least(Role(self.min_role))


NAV_PAGES: list[NavLink] = [
    NavLink("inbox", "Inbox", "/inbox", "inbox"),
    NavLink("search", "Search", "/search", "search"),
]


def register_nav(link: NavLink) -> None:
    if all(existing.key != link.key for existing in NAV_PAGES):
        NAV_PAGES.append(link)


@cache
def _fingerprint(name: str) -> str:
    path = STATIC_DIR / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "0"


def asset(name: str) -> str:
    return f"/static/{name}?v={_fingerprint(name)}"


def icon(name: str) -> Markup:
    """An icon from the page's inline sprite; decorative, so hidden from assistive tech."""
    return Markup(
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="#i-{}"/></svg>'
    ).format(name)


PLATFORM_LABELS = {
    "generic": "Website",
    "messenger": "Messenger",
    "instagram": "Instagram",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "x": "X",
}


def platform_label(platform: str) -> str:
    return PLATFORM_LABELS.get(platform, platform)


def domain(url: str) -> str:
    return urlsplit(url).hostname or url


templates.env.globals.update(
    asset=asset,
    nav_pages=NAV_PAGES,
    icon=icon,
    platform_label=platform_label,
    author_prefix=lambda kind: present.AUTHOR_PREFIX.get(kind, ""),
    event_text=present.event_text,
    attachment_card=present.attachment_card,
    delivery=present.delivery,
)
templates.env.filters.update(
    clock=present.clock, iso=present.iso, day=present.day, ago=present.ago, domain=domain
)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
