"""axe-core (from npm, never committed) on the main states, light and dark, 1366 and 320 px."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from dmdesk.actions.conversations import do_assign_conversation
from dmdesk.models import Conversation
from tests.browser.conftest import log_in
from tests.conftest import LiveServer, seed_workspace
from tests.web.conftest import ingest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
ROOT = Path(__file__).resolve().parents[2]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' '))
    .slice(0, 3).join(', ')}`);
}"""


def _axe_source() -> str:
    candidates = [os.environ.get("DMDESK_AXE_JS", ""), ROOT / "node_modules/axe-core/axe.min.js"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text()
    pytest.fail("axe-core is missing: `make test` installs it (npm install --no-save axe-core)")


def _violations(page: Any, axe: str) -> list[str]:
    page.add_script_tag(content=axe)  # the context bypasses CSP for this injection only
    found: list[str] = page.evaluate(RUN_AXE, AXE_TAGS)
    return found


def test_screens_have_no_axe_violations(live_server: LiveServer, browser: Any) -> None:
    axe = _axe_source()
    seeded = seed_workspace(live_server.services)
    conv = ingest(live_server.services, seeded.channel_id, "a1", text="Where is my order?")
    live_server.services.db.write(
        lambda s: do_assign_conversation(
            s,
            conv=s.get_one(Conversation, conv),
            assignee_id=seeded.agent_id,
            at=live_server.services.clock(),
            actor_id=seeded.admin_id,
        )
    )
    base = live_server.url
    problems: dict[str, list[str]] = {}
    page = log_in(browser, base, "agent@acme.test", bypass_csp=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{base}/conversations/{conv}")
        page.check("#mode-note", force=True)  # amber note mode, the assign menu open
        page.click("#assign-menu summary")
        problems[f"{scheme}/thread"] = _violations(page, axe)
        page.goto(f"{base}/search?q=order")
        problems[f"{scheme}/search"] = _violations(page, axe)
        page.goto(f"{base}/inbox")
        page.click("#bell")  # the notification centre, one notification and the preferences
        page.wait_for_selector("#notif-list .notif")
        page.click("#notif-pop summary")
        problems[f"{scheme}/bell"] = _violations(page, axe)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{base}/inbox?view=mine")  # the empty state, at 400% zoom width
    problems["320/empty"] = _violations(page, axe)
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}
