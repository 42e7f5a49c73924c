"""The dashboard page and its server-rendered charts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dmdesk.app import create_app
from dmdesk.services import Services, build_services
from dmdesk.web import charts
from dmdesk.web.views.dashboard import trend
from tests.conftest import Seeded, make_settings, seed_workspace
from tests.metrics.test_replay import replay


@pytest.fixture
def web(sqlite_url: str) -> Iterator[tuple[Any, Services, Seeded]]:
    svc = build_services(make_settings(sqlite_url))
    seeded = seed_workspace(svc)
    with TestClient(create_app(svc.settings, services=svc)) as client:
        yield client, svc, seeded


def _login(client: Any, email: str) -> None:
    resp = client.post("/login", data={"email": email, "password": "password1"},
                       follow_redirects=False)  # fmt: skip
    assert resp.status_code == 303


def test_dashboard_shows_numbers_charts_and_tables(web: tuple[Any, Services, Seeded]) -> None:
    client, svc, seeded = web
    replay(svc, seeded)
    _login(client, "admin@acme.test")
    page = client.get("/dashboard", params={"from": "2026-03-27", "to": "2026-03-30"})
    assert page.status_code == 200
    html = page.text
    assert "<svg" in html
    assert html.count("View as table") == 3
    assert "Inbound by weekday and hour" in html
    assert 'id="def-first_response_time"' in html
    assert "30m" in html  # the first-response median, 1,800 s
    assert re.search(r"<td>4</td>", html)  # the agent's human replies
    assert "dashboard.css" in html
    empty = client.get("/dashboard", params={"from": "2025-01-01", "to": "2025-01-07"})
    assert "No conversations in this period" in empty.text
    bad = client.get("/dashboard", params={"from": "soon"})
    assert "from must be a date" in bad.text


def test_agents_do_not_see_the_dashboard(web: tuple[Any, Services, Seeded]) -> None:
    client, _svc, _seeded = web
    _login(client, "agent@acme.test")
    assert client.get("/dashboard").status_code == 404


def test_trend_has_an_arrow_signed_text_and_a_tone() -> None:
    assert trend(90.0, 100.0, lower_is_better=True) == {
        "arrow": "↓", "text": "-10.0% vs previous", "tone": "good"}  # fmt: skip
    assert trend(0.9, 0.95, lower_is_better=False, points=True) == {
        "arrow": "↓", "text": "-5.0 pt vs previous", "tone": "bad"}  # fmt: skip
    assert trend(None, 1.0, lower_is_better=True) is None


def test_charts_are_accessible_svg_with_a_table() -> None:
    chart = charts.bar_chart("Replies <b>", ["Mon", "Tue"], [3, 5], x_label="Day", y_label="N")
    html = str(chart.html(definition="human_replies"))
    assert "<title id=" in html
    assert "<desc id=" in html
    assert "Replies &lt;b&gt;" in html  # escaped, never raw markup
    assert chart.rows == [["Mon", "3"], ["Tue", "5"]]
    heat = charts.heatmap("Heat", [[0, 2], [1, 0]], ["Mon", "Tue"], ["0", "1"],
                          x_label="Hour", y_label="Day")  # fmt: skip
    assert heat.header == ["Day", "0", "1"]
    assert 'fill-opacity="1.00"' in str(heat.svg)
    line = charts.line_chart("L", ["a", "b"], {"x": [1, 2]}, x_label="A", y_label="B")
    assert "polyline" in str(line.svg)
