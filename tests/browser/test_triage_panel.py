"""The triage panel and the keyword rules page in Chromium: axe-clean in both themes and at
320 px, and the spam controls work from the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest

from dmdesk.actions.triage import do_apply_triage
from dmdesk.models import Conversation
from dmdesk.services import Services
from dmdesk.triage.engine import TriageEngine
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import AXE_TAGS, _axe_source, _violations
from tests.conftest import LiveServer, Seeded, seed_workspace
from tests.web.conftest import ingest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
RUN_AXE_PANEL = """async (tags) => {
  const result = await axe.run({include: [['#triage-panel']]}, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' '))
    .slice(0, 3).join(', ')}`);
}"""
TEXT = (
    "URGENT: your account is locked, verify at http://paypa1-secure.xyz/login "
    "or call me on +44 7700 900123, card 4111 1111 1111 1111"
)


def _panel_violations(page: Any, axe: str) -> list[str]:
    """axe on the panel alone, for the states where it leaves the message log little height:
    the log (outside this panel) then scrolls and fails scrollable-region-focusable,
    as any long thread does; the full page is checked with the panel closed at 1366 px."""
    page.add_script_tag(content=axe)
    found: list[str] = page.evaluate(RUN_AXE_PANEL, AXE_TAGS)
    return found


def triaged(services: Services, seeded: Seeded, text: str) -> int:
    conv_id = ingest(services, seeded.channel_id, "b1", text=text)
    verdict = TriageEngine.load().classify(text).to_json()

    def work(s: Any) -> None:
        conv = s.get_one(Conversation, conv_id)
        do_apply_triage(s, conv=conv, verdict=verdict, message_id=None, at=services.clock())

    services.db.write(work)
    return conv_id


def category(services: Services, conv_id: int) -> str | None:
    with services.db.session() as s:
        return s.get_one(Conversation, conv_id).category


def test_panel_and_rules_page_have_no_axe_violations(live_server: LiveServer, browser: Any) -> None:
    axe = _axe_source()
    seeded = seed_workspace(live_server.services)
    conv = triaged(live_server.services, seeded, TEXT)
    base = live_server.url
    page = log_in(browser, base, "admin@acme.test", bypass_csp=True)
    problems: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{base}/conversations/{conv}")
        problems[f"{scheme}/thread"] = _violations(page, axe)
        page.click("#triage-panel summary")
        problems[f"{scheme}/panel"] = _panel_violations(page, axe)
        page.goto(f"{base}/settings/triage")
        page.fill("#add-name", f"rule {scheme}")
        page.fill("#add-keywords", "SUNNY24")
        page.select_option("#add-category", "sales")
        page.click("text=Add rule")
        page.wait_for_selector("p.ok")
        page.fill("#add-name", "no category")
        page.fill("#add-keywords", "x")
        page.click("text=Add rule")
        page.wait_for_selector("#add-category-err")
        page.fill("#try-sample", "Is SUNNY24 valid?")
        page.click("text=Classify with these rules")
        page.wait_for_selector("#try-result .triage-facts")
        problems[f"{scheme}/rules"] = _violations(page, axe)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{base}/conversations/{conv}")
    problems["320/thread"] = _panel_violations(page, axe)
    page.click("#triage-panel summary")
    problems["320/panel"] = _panel_violations(page, axe)
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}


def test_not_spam_and_mark_spam_by_keyboard(live_server: LiveServer, browser: Any) -> None:
    seeded = seed_workspace(live_server.services)
    conv = triaged(live_server.services, seeded, TEXT)
    assert category(live_server.services, conv) == "spam"
    page = log_in(browser, live_server.url, "agent@acme.test")
    page.goto(f"{live_server.url}/conversations/{conv}")
    page.focus("#triage-not-spam-as")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "triage-spam-toggle"
    page.keyboard.press("Enter")
    page.wait_for_selector("#triage-spam-toggle:has-text('Mark spam')")
    assert category(live_server.services, conv) == "general"
    page.focus("#triage-spam-toggle")
    page.keyboard.press("Enter")
    page.wait_for_selector("#triage-spam-toggle:has-text('Not spam')")
    assert category(live_server.services, conv) == "spam"
    assert page.evaluate("document.activeElement.id") == "triage-spam-toggle", (
        "the panel is swapped in place and keeps the focus"
    )
    page.focus("#thread-log")
    page.keyboard.press("!")
    page.wait_for_selector("#triage-spam-toggle:has-text('Mark spam')")
    assert category(live_server.services, conv) == "general", "! is the spam / not-spam key"


def test_admin_retrains_from_the_page_and_rolls_back(
    live_server: LiveServer, browser: Any, tmp_path: Any
) -> None:
    """Corrections -> Retrain -> the page follows the training to the new active version,
    axe-clean; then Go back to the shipped model."""
    from tests.browser.conftest import screenshot_path
    from tests.cli.test_triage_feedback import PARKA, PROBE, correct, say

    services = live_server.services
    services.triage_trainer.use_shared = False  # seed + corrections: a few CPU-seconds
    services.triage_engines.interval = 0
    seeded = seed_workspace(services)
    for i, text in enumerate(PARKA):
        correct(services, seeded, say(services, seeded, f"p{i}", text), "collaboration")
    assert services.triage_engines.get(seeded.workspace_id).classify(PROBE).category != (
        "collaboration"
    )
    base = live_server.url
    page = log_in(browser, base, "admin@acme.test", bypass_csp=True)
    page.goto(f"{base}/settings/triage")
    page.click(f"text=Retrain with {len(PARKA)} corrections")
    page.wait_for_selector("#training-state p.ok", timeout=120_000)  # the page reloads itself
    assert "Trained version 1" in page.inner_text("#training-state")
    assert page.locator(".models-table tr[aria-current='true'] th").inner_text().startswith("1")
    assert services.triage_engines.get(seeded.workspace_id).classify(PROBE).category == (
        "collaboration"
    )
    page.screenshot(path=str(screenshot_path("triage-retrain.png", tmp_path)), full_page=True)
    assert _violations(page, _axe_source()) == []
    page.click("text=Go back to the shipped model")
    page.wait_for_selector("p.ok")
    assert "the shipped model" in page.inner_text("#models-h + div + p")
    assert services.triage_engines.get(seeded.workspace_id).classify(PROBE).category != (
        "collaboration"
    )
