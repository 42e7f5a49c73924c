"""The automation page in Chromium: axe-clean (light and dark, with a dry-run result and a
field error showing) and usable from the keyboard alone: Tab to the editor, type, test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import browser, log_in  # noqa: F401  # the Chromium fixture
from tests.browser.test_accessibility import _axe_source, _violations
from tests.conftest import LiveServer, seed_workspace
from tests.web.conftest import ingest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
RULE = {
    "trigger": {"event": "message_created"},
    "conditions": [{"field": "message.text", "op": "contains", "value": "order"}],
    "actions": [{"action": "tag", "tag": "orders"}],
}


def test_automation_page_is_axe_clean_and_keyboard_usable(
    live_server: LiveServer,
    browser: Any,  # noqa: F811  # the fixture imported above
) -> None:
    axe = _axe_source()
    seeded = seed_workspace(live_server.services)
    conv = ingest(live_server.services, seeded.channel_id, "a1", text="Where is my order?")
    base = live_server.url
    page = log_in(browser, base, "admin@acme.test", bypass_csp=True)
    problems: dict[str, list[str]] = {}
    page.goto(f"{base}/settings/automation?edit=rule-new")
    page.fill("#re-name", "Orders")
    page.fill("#re-definition", json.dumps(RULE))
    page.focus("#re-conv")
    page.keyboard.type(str(conv))
    page.keyboard.press("Tab")  # the next stop after the number is "Test (dry run)"
    assert page.evaluate("document.activeElement.textContent").startswith("Test")
    page.keyboard.press("Enter")
    page.wait_for_selector(".dry-run")
    assert "the rule matches" in page.inner_text(".dry-run")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems[f"{scheme}/dry-run"] = _violations(page, axe)
    page.fill("#re-definition", "{broken")
    page.click("button[value=save]")
    page.wait_for_selector("#re-definition-err")
    problems["field-error"] = _violations(page, axe)
    page.fill("#re-definition", json.dumps(RULE))
    page.click("button[value=save]")
    page.wait_for_selector("text=Saved")
    problems["list"] = _violations(page, axe)
    page.goto(f"{base}/settings/automation?edit=flow-new")
    problems["flow-editor"] = _violations(page, axe)
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}
