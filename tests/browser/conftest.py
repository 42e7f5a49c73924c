"""Playwright driving Debian's Chromium (headless) against the live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need Debian's chromium "
            "package (`apt-get install -y chromium`; `make test` installs it)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def log_in(
    browser: Any,
    base_url: str,
    email: str,
    password: str = "password1",
    **context_options: Any,
) -> Any:
    """A fresh context (its own cookies) logged in and showing the inbox, live stream up."""
    options = {"viewport": {"width": 1366, "height": 768}, "color_scheme": "light"}
    context = browser.new_context(**(options | context_options))
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base_url}/inbox")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("html[data-live=connected]")
    return page


def screenshot_path(name: str, tmp_dir: Path) -> Path:
    """Where a browser test saves its screenshot: `docs/screenshots/NAME` when
    DMDESK_SCREENSHOTS=1 (to refresh the README's pictures), else a temporary folder, so a
    test run leaves the checkout clean."""
    if os.environ.get("DMDESK_SCREENSHOTS") == "1":
        folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name
    return tmp_dir / name
