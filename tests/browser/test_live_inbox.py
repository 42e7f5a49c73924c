"""Two agents in real browsers: a webhook DM appears live, one agent replies, notes, tags
and resolves by keyboard, and the other agent's screen follows without a reload."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from dmdesk.models import User
from tests.browser.conftest import log_in, screenshot_path
from tests.conftest import LiveServer, Seeded, seed_workspace
from tests.helpers import generic_body, signed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PEOPLE = [
    ("p1", "Sam Carter", "Hi! Does the Trail 2 backpack come in blue? 🎒"),
    ("p2", "Fatima Zahra", "Is there a discount code for students?"),
    ("p3", "Olek Nowak", "My order #1043 has not arrived yet, any news?"),
]


def _post_dm(
    live: LiveServer, channel_id: int, secret: str, msg_id: str, sender: str, name: str, text: str
) -> None:
    body = generic_body(msg_id, sender=sender, name=name, text=text)
    resp = httpx.post(
        f"{live.url}/webhooks/generic/{channel_id}",
        content=body,
        headers=signed(body, secret),
        timeout=10,
    )
    assert resp.status_code == 200, resp.text


def _name_agents(live: LiveServer, seeded: Seeded) -> None:
    def work(s: Any) -> None:
        s.get_one(User, seeded.agent_id).name = "Ana Silva"
        s.get_one(User, seeded.admin_id).name = "Lee Wong"

    live.services.db.write(work)


def test_two_agents_work_one_inbox_live(
    live_server: LiveServer, browser: Any, tmp_path: Path
) -> None:
    seeded = seed_workspace(live_server.services)
    _name_agents(live_server, seeded)
    for i, (sender, name, text) in enumerate(PEOPLE):
        _post_dm(
            live_server, seeded.channel_id, seeded.channel_secret, f"seed-{i}", sender, name, text
        )
    ana = log_in(browser, live_server.url, "agent@acme.test")
    lee = log_in(browser, live_server.url, "admin@acme.test")

    _post_dm(
        live_server,
        seeded.channel_id,
        seeded.channel_secret,
        "live-1",
        "maria",
        "Maria Lopez",
        "Where is my order? It was due yesterday.",
    )
    maria_row = "#conv-list .row:has(bdi:text-is('Maria Lopez'))"
    for page in (ana, lee):
        page.wait_for_selector(maria_row)  # arrived over SSE, no reload

    ana.click(f"{maria_row} .row-link")
    ana.wait_for_selector("#thread-title:has-text('Maria Lopez')")
    lee.click(f"{maria_row} .row-link")
    lee.wait_for_selector("#thread-title:has-text('Maria Lopez')")
    ana.mouse.move(900, 300)
    lee.mouse.move(900, 300)

    _post_dm(
        live_server,
        seeded.channel_id,
        seeded.channel_secret,
        "live-2",
        "maria",
        "Maria Lopez",
        "Also, can I change the delivery address?",
    )
    ana.wait_for_selector("article.msg.in:has-text('change the delivery address')")
    # the polite live region reads the new message out (a selector wait: a string predicate
    # would be eval'd in the page, which the desk's CSP forbids once Playwright has to poll)
    ana.wait_for_selector("#announcer:has-text('change the delivery')", state="attached")

    ana.keyboard.press("r")
    ana.keyboard.type("Sorry about that! It left our warehouse this morning.")
    ana.keyboard.press("Control+Enter")
    bubble = "article.msg.out:has-text('It left our warehouse')"
    ana.wait_for_selector(f"{bubble} .tick[aria-label='Sent']")
    lee.wait_for_selector(bubble)  # the colleague's reply shows on the other screen

    ana.keyboard.press("Escape")
    ana.keyboard.press("Shift+A")
    ana.wait_for_selector("#assign-menu summary:has-text('Ana Silva')")
    lee.wait_for_selector("#assign-menu summary:has-text('Ana Silva')")
    ana.keyboard.press("Shift+N")
    ana.keyboard.type("Courier says delivery tomorrow before noon.")
    ana.keyboard.press("Control+Enter")
    ana.wait_for_selector("article.note:has-text('Courier says')")
    ana.keyboard.press("Escape")
    ana.keyboard.press("l")
    ana.keyboard.type("shipping")
    ana.keyboard.press("Enter")
    ana.wait_for_selector("#thread-head .chip.tag:has-text('#shipping')")
    lee.wait_for_selector("#thread-head .chip.tag:has-text('#shipping')")
    ana.keyboard.press("Escape")
    ana.wait_for_timeout(300)
    shot = screenshot_path("inbox.png", tmp_path)
    ana.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000, "a real picture of the inbox"

    ana.keyboard.press("e")
    ana.wait_for_selector(maria_row, state="detached")  # resolved: it left "All open"
    lee.wait_for_selector("#thread-head [data-key='reopen']")  # resolved by Ana, live
    assert "Resolved" in lee.inner_text("#thread-head")
    # the list and the thread refresh with separate fetches: wait for the list's own update
    lee.wait_for_selector(maria_row, state="detached")  # left the "All open" view
    lee.keyboard.press("Shift+E")
    lee.wait_for_selector("#thread-head [data-key='resolve']")
    assert re.search(r"reopened this", lee.inner_text("#thread-log"))
