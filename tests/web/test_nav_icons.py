"""The rail's page links: each draws an icon that the sprite has, and no two look alike."""

from __future__ import annotations

import re

from dmdesk.app import create_app
from dmdesk.web.templating import NAV_PAGES, WEB_DIR
from tests.conftest import make_settings


def test_every_page_in_the_rail_has_its_own_icon_from_the_sprite(sqlite_url: str) -> None:
    create_app(make_settings(sqlite_url))  # importing the views registers their pages
    sprite = (WEB_DIR / "templates" / "partials" / "icons.html").read_text(encoding="utf-8")
    symbols = set(re.findall(r'<symbol id="i-([a-z-]+)"', sprite))
    icons = [link.icon for link in NAV_PAGES]
    assert {"dashboard", "channels", "triage", "privacy"} <= {link.key for link in NAV_PAGES}
    assert set(icons) <= symbols, set(icons) - symbols
    assert len(set(icons)) == len(icons), icons
