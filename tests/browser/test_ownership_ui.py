"""Ownership in real browsers: SLA chips and the Breached view, collision markers between
two agents over the live stream, and a notification in the bell after an assignment."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from dmdesk.actions.conversations import do_assign_conversation
from dmdesk.actions.sla import do_save_sla_policy
from dmdesk.models import Conversation, User
from dmdesk.routing.jobs import run_sla_check
from tests.browser.conftest import log_in
from tests.conftest import LiveServer, Seeded, seed_workspace
from tests.web.conftest import ingest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
OLEK = "#conv-list .row:has(bdi:text-is('Olek Nowak'))"
FATIMA = "#conv-list .row:has(bdi:text-is('Fatima Zahra'))"


def _desk(live: LiveServer) -> tuple[Seeded, int, int]:
    """Two agents, a one-hour first-reply policy, one DM two hours old and one just in."""
    svc = live.services
    seeded = seed_workspace(svc)

    def work(s: Any) -> None:
        s.get_one(User, seeded.agent_id).name = "Ana Silva"
        s.get_one(User, seeded.admin_id).name = "Lee Wong"
        do_save_sla_policy(
            s,
            workspace_id=seeded.workspace_id,
            name="Standard",
            definition={"hours": "calendar", "targets": [{"first_response": "PT1H"}]},
            is_default=True,
            at=svc.clock(),
        )

    svc.db.write(work)
    late = ingest(
        svc,
        seeded.channel_id,
        "late-1",
        sender="olek",
        name="Olek Nowak",
        text="My order has not arrived",
        at=svc.clock() - timedelta(hours=2),
    )
    fresh = ingest(svc, seeded.channel_id, "fresh-1", sender="fz", name="Fatima Zahra")
    run_sla_check(svc)
    return seeded, late, fresh


def test_sla_chips_and_the_breached_view(live_server: LiveServer, browser: Any) -> None:
    _desk(live_server)
    ana = log_in(browser, live_server.url, "agent@acme.test")
    breached = ana.locator(f"{OLEK} .chip.sla")
    assert breached.get_attribute("data-state") == "breached"
    assert re.search(r"First reply breached (1h|59m|\d+m) ago", breached.inner_text())
    running = ana.locator(f"{FATIMA} .chip.sla")
    assert running.get_attribute("data-state") == "ok"
    assert re.search(r"First reply due in (59m|1h|<1m|\d+m)", running.inner_text())
    count = ana.locator("#rail-views a[data-view='breached'] .count")
    assert count.inner_text().strip() == "1"
    ana.click("#rail-views a[data-view='breached']")
    ana.wait_for_selector("#list-heading:has-text('Breached')")
    assert ana.locator("#conv-list .row").count() == 1
    assert ana.locator(OLEK).count() == 1
    ana.click(f"{OLEK} .row-link")  # the thread header carries the same clock
    head = ana.locator("#th-sla .chip.sla-breached")
    head.wait_for()
    assert "First reply breached" in head.inner_text()


def test_collision_markers_between_two_agents(live_server: LiveServer, browser: Any) -> None:
    _seeded, late, _fresh = _desk(live_server)
    ana = log_in(browser, live_server.url, "agent@acme.test")
    lee = log_in(browser, live_server.url, "admin@acme.test")
    lee.click(f"{OLEK} .row-link")
    lee.wait_for_selector("#thread-title:has-text('Olek Nowak')")
    ana.wait_for_selector(f"{OLEK} [data-collide]:has-text('Lee Wong viewing')")
    ana.click(f"{OLEK} .row-link")
    ana.wait_for_selector("#th-collide:has-text('Lee Wong is viewing')")
    lee.click("#composer-text")
    lee.keyboard.type("Checking with the courier")
    ana.wait_for_selector("#th-collide.typing:has-text('Lee Wong is typing')")
    lee.wait_for_selector(f"#row-{late} [data-collide]:has-text('Ana Silva viewing')")
    assert "Lee" not in lee.locator(f"#row-{late} [data-collide]").inner_text()  # not oneself


def test_assignment_lights_the_bell(live_server: LiveServer, browser: Any) -> None:
    seeded, late, _fresh = _desk(live_server)
    ana = log_in(browser, live_server.url, "agent@acme.test")
    assert ana.locator("#bell-count").is_hidden()
    svc = live_server.services
    svc.db.write(
        lambda s: do_assign_conversation(
            s,
            conv=s.get_one(Conversation, late),
            assignee_id=seeded.agent_id,
            at=svc.clock(),
            actor_id=seeded.admin_id,
        )
    )
    ana.wait_for_selector("#bell-count:has-text('1')")
    assert ana.get_attribute("#bell", "aria-expanded") == "false"
    ana.click("#bell")
    item = ana.locator("#notif-list .notif.unread")
    item.first.wait_for()
    assert "Lee Wong assigned you Olek Nowak" in item.first.inner_text()
    assert item.first.locator("a").get_attribute("href") == f"/conversations/{late}"
    ana.click("#notif-all-read")
    ana.wait_for_selector("#bell-count", state="hidden")
    assert ana.locator("#notif-list .notif.unread").count() == 0
    ana.keyboard.press("Escape")
    assert ana.locator("#notif-pop").is_hidden()
