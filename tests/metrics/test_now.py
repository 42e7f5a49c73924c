"""The dashboard's NOW strip: open and waiting conversations, SLA risk, agents online,
today's inbound against the usual for this hour, active spikes; its JSON endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from dmdesk.app import create_app
from dmdesk.db.events import record_event
from dmdesk.metrics.now import now_strip
from dmdesk.metrics.service import refresh
from dmdesk.models import User
from dmdesk.models.ownership import ConversationSla
from dmdesk.services import Services, build_services
from dmdesk.web.views.dashboard import earlier_spikes, now_texts
from tests.conftest import Seeded, make_settings, seed_workspace
from tests.metrics.scenario import Desk, fast_desk
from tests.metrics.test_replay import replay

NOW = datetime(2026, 3, 30, 10, 30, tzinfo=UTC)  # a Monday
# Inbound (minutes after 00:00) on the Mondays 1-4 weeks before; weeks 5 and 6 are empty.
HISTORY = {
    1: [9 * 60, 9 * 60 + 30, 10 * 60 + 5, 11 * 60 + 15],  # 3 up to 10:59, 1 in hour 10
    2: [8 * 60, 8 * 60 + 1, 9 * 60, 10 * 60, 10 * 60 + 50],  # 5, 2 in hour 10
    3: [7 * 60, 9 * 60, 9 * 60 + 5, 10 * 60 + 59],  # 4, 1 in hour 10
    4: [6 * 60, 23 * 60, 9 * 60 + 59],  # 2 by 10:59, 0 in hour 10
}


def _history(desk: Desk, agent: int) -> None:
    for weeks, minutes in HISTORY.items():
        day = datetime(2026, 3, 30, tzinfo=UTC) - timedelta(weeks=weeks)
        for k, m in enumerate(minutes):
            at = day + timedelta(minutes=m)
            conv, _ = desk.inbound(f"old{weeks}-{k}", at)
            desk.status(conv, at + timedelta(minutes=1), "resolved", agent)


def _sla(conv_id: int, workspace_id: int, state: str, due: datetime) -> Any:
    def work(s: Session) -> None:
        s.merge(ConversationSla(conversation_id=conv_id, workspace_id=workspace_id, state=state,
                              due_at=due, clocks=[], checked_until=NOW))  # fmt: skip

    return work


def test_the_now_strip_counts_what_is_happening(services: Services) -> None:
    desk, (agent, other) = fast_desk(services, "now")
    _history(desk, agent)
    waiting, _ = desk.inbound("t1", NOW - timedelta(hours=2, minutes=30))
    answered, _ = desk.inbound("t2", NOW - timedelta(minutes=25))
    desk.reply(answered, NOW - timedelta(minutes=20), user_id=agent)
    desk.inbound("t1", NOW - timedelta(minutes=10))
    closed, _ = desk.inbound("t3", NOW - timedelta(hours=1))
    desk.status(closed, NOW - timedelta(minutes=50), "resolved", agent)
    ws = desk.workspace_id
    services.db.write(_sla(waiting, ws, "warning", NOW + timedelta(minutes=10)))
    services.db.write(_sla(answered, ws, "breached", NOW - timedelta(minutes=5)))
    services.db.write(_sla(closed, ws, "breached", NOW - timedelta(minutes=40)))
    services.db.write(lambda s: setattr(s.get_one(User, other), "presence", "online"))
    spike = {"channel_id": desk.channel_id, "day": "2026-03-30", "hour": 10, "count": 9,
             "usual": 1.0, "keywords": [["refund", 5]], "referrals": [["ad:42", 3]]}  # fmt: skip
    for at in (NOW - timedelta(minutes=20), NOW - timedelta(hours=3)):  # active; too old
        services.db.write(lambda s, at=at: record_event(
            s, workspace_id=ws, type="spike.detected", at=at, data=spike))  # fmt: skip
    refresh(services.db)
    with services.db.session() as s:
        out = now_strip(s, ws, now=NOW)
    assert out["open_conversations"] == 2
    assert out["awaiting_first_reply"] == {
        "count": 1,
        "oldest_since": (NOW - timedelta(hours=2, minutes=30)).isoformat(),
        "oldest_wait_s": 9000,
    }
    assert out["sla"] == {"breaching_soon": 1, "breached": 1, "within_s": 1800}
    assert out["agents_online"] == 1
    # Today so far 4 (08:00, 09:30, 10:05, 10:20), 2 of them in hour 10. By 10:59 the
    # earlier Mondays had 3, 5, 4, 2, 0, 0 (median 2.5); in hour 10: 1, 2, 1, 0, 0, 0 (0.5).
    assert out["inbound"] == {
        "day": "2026-03-30", "hour": 10, "today": 4, "usual_today": 2.5, "this_hour": 2,
        "usual_this_hour": 0.5, "weeks": 6}  # fmt: skip
    assert [(s["count"], s["keywords"], s["referrals"]) for s in out["spikes"]] == [
        (9, ["refund"], ["ad:42"])
    ]


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


def test_the_dashboard_renders_the_strip_and_serves_it_as_json(
    web: tuple[Any, Services, Seeded],
) -> None:
    client, svc, seeded = web
    replay(svc, seeded)  # conversations B and C stay open, both answered
    _login(client, "admin@acme.test")
    page = client.get("/dashboard", params={"from": "2026-03-27", "to": "2026-03-30"}).text
    assert 'data-now="open_conversations">2<' in page
    assert 'data-now="awaiting">0<' in page
    assert "js/dashboard_now.js" in page
    body = client.get("/dashboard/now.json").json()
    assert body["text"]["open_conversations"] == "2"
    assert body["text"]["oldest_wait"] == "none waiting"
    assert body["data"]["open_conversations"] == 2
    api = client.get("/api/v1/reports/now", headers=seeded.admin()).json()
    assert api["open_conversations"] == 2
    assert api["awaiting_first_reply"]["count"] == 0
    assert client.get("/api/v1/reports/now", headers=seeded.agent()).status_code == 403
    _login(client, "agent@acme.test")
    assert client.get("/dashboard/now.json").status_code == 404


def _strip_data(spikes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "at": NOW.isoformat(),
        "open_conversations": 0,
        "awaiting_first_reply": {"count": 0, "oldest_since": None, "oldest_wait_s": None},
        "sla": {"breaching_soon": 0, "breached": 0, "within_s": 1800},
        "agents_online": 0,
        "inbound": {
            "day": "2026-03-30",
            "hour": 12,
            "today": 9,
            "usual_today": 0.0,
            "this_hour": 7,
            "usual_this_hour": 1.5,
            "weeks": 6,
        },
        "spikes": spikes,
    }


def test_the_strip_speaks_the_workspace_time_and_the_week_list_skips_active_spikes() -> None:
    active = {"channel_id": 3, "day": "2026-03-30", "hour": 12, "count": 7, "usual": 0.0,
              "keywords": ["broken"], "referrals": []}  # fmt: skip
    older = {**active, "day": "2026-03-27", "hour": 9, "usual": 2.5}
    texts = now_texts(_strip_data([active]), {3: "Acme (WhatsApp)"}, ZoneInfo("Europe/Berlin"))
    # 10:30 UTC is 12:30 in Berlin (CEST from 29 March), the zone the spike hours are in
    assert texts["text"]["at_local"] == "12:30 Europe/Berlin"
    assert texts["spikes"] == ["Spike on Acme (WhatsApp): 7 DMs at 12:00 (usually 0), about broken"]
    week = earlier_spikes([active, older], texts["data"]["spikes"])
    assert [(s["day"], s["hour"], s["usual"]) for s in week] == [("2026-03-27", 9, "2.5")]
