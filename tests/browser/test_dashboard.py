"""The dashboard in Chromium: charts rendered offline, headline numbers equal to the API's
report, definitions one click away, CSV export, the live NOW strip, no console errors, axe
clean; saves docs/screenshots/dashboard.png."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from dmdesk.web.views.dashboard import BIN_LABELS, WEEKDAYS, _dur
from tests.browser.conftest import log_in, screenshot_path
from tests.browser.test_accessibility import _axe_source, _violations
from tests.conftest import LiveServer, seed_workspace
from tests.metrics.test_replay import replay
from tests.web.conftest import ingest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
QUERY = "from=2026-03-27&to=2026-03-30"


def _watch_console(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _api_summary(page: Any, base: str, token: str) -> dict[str, Any]:
    resp = page.request.get(f"{base}/api/v1/reports/summary?{QUERY}",
                            headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert resp.ok
    metrics: dict[str, Any] = resp.json()["metrics"]
    return metrics


def _card(page: Any, key: str) -> str:
    text: str = page.locator(f".card:has(a[href='#def-{key}']) .card-main").inner_text()
    return text.strip()


def _check_charts(page: Any) -> None:
    charts = page.locator("figure.chart")
    assert charts.count() == 3
    assert page.locator("svg.chart-svg rect.cell").count() == len(WEEKDAYS) * 24
    assert page.locator("svg.chart-svg rect.bar").count() == len(BIN_LABELS)
    assert page.locator("svg.chart-svg polyline.line").count() == 2  # inbound, new convs
    assert page.locator("svg.chart-svg[role=img] > title").count() == 3
    # The volume line has one point per day of the period.
    points = page.locator("polyline.line-0").get_attribute("points")
    assert len(points.split()) == 4


def _values(page: Any, selector: str) -> int:
    """The sum of the counts a chart's marks carry in their titles ("label: count")."""
    titles = page.locator(f"{selector} > title").all_text_contents()
    return sum(int(t.rsplit(": ", 1)[1]) for t in titles)


def _check_csv(page: Any) -> None:
    with page.expect_download() as info:
        page.click("#t-agent a:has-text('CSV')")
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert "conversations_started" in rows[0]
    assert len(rows) >= 3  # the header, both agents


def test_the_dashboard_in_a_browser(live_server: LiveServer, browser: Any, tmp_path: Path) -> None:
    svc, base = live_server.services, live_server.url
    seeded = seed_workspace(svc)
    replay(svc, seeded)
    page = log_in(browser, base, "admin@acme.test", bypass_csp=True)
    errors = _watch_console(page)
    page.goto(f"{base}/dashboard?{QUERY}")
    page.wait_for_selector("[data-now-ready='1']")
    _check_charts(page)
    assert page.locator("input[data-key=search]").input_value() == ""  # filters stay put
    api = _api_summary(page, base, seeded.admin_token)
    assert _card(page, "first_response_time") == _dur(api["first_response_time"]["median_s"])
    assert _card(page, "time_to_resolution") == _dur(api["time_to_resolution"]["median_s"])
    assert _card(page, "inbound_messages") == f"{api['inbound_messages']['count']:,}"
    assert _card(page, "conversion_rate") == f"{api['conversion_rate']['converted']:,}"
    assert _values(page, "rect.cell") == api["inbound_messages"]["count"]
    assert _values(page, "rect.bar") == api["first_response_time"]["n"]
    # The definition is one click away: the link opens the definitions and shows it.
    definition = page.locator("#def-first_response_time")
    assert not definition.is_visible()
    page.click(".card a[href='#def-first_response_time']")
    definition.wait_for(state="visible", timeout=3000)  # raises if it stays hidden
    _check_csv(page)
    # The NOW strip goes live: a new conversation shows up within one poll.
    assert page.locator("[data-now=open_conversations]").inner_text() == "2"
    ingest(svc, seeded.channel_id, "live-1", sender="newcomer", text="Are you open today?")
    page.wait_for_selector(  # not wait_for_function: its string is eval'd, which CSP forbids
        "[data-now=open_conversations]:text-is('3')", timeout=25_000
    )
    assert page.locator("[data-now=awaiting]").inner_text() == "1"
    axe = _axe_source()
    problems = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems[scheme] = _violations(page, axe)
    assert not any(problems.values()), problems
    assert errors == []
    page.emulate_media(color_scheme="light")
    page.goto(f"{base}/dashboard?{QUERY}")
    shot = screenshot_path("dashboard.png", tmp_path)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
