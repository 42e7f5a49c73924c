"""The Teams & SLAs settings page: renders, saves team hours, adds and reorders rules,
saves a policy, and refuses an agent's changes."""

from __future__ import annotations

import json
from typing import Any

from dmdesk.models.ownership import RoutingRuleRow, SlaPolicyRow, TeamSettings
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.web.conftest import login


def test_settings_page_round_trip(client: Any, services: Services, seeded: Seeded) -> None:
    admin = login(client, "admin@acme.test")
    team = client.post("/api/v1/teams", json={"name": "Support"}, headers=seeded.admin()).json()
    assert client.get("/settings/ownership").status_code == 200
    hours = {
        "timezone": "Europe/Madrid",
        "shifts": [{"weekday": "mon", "start": "09:00", "end": "17:00"}],
    }
    form = {
        "strategy": "least_loaded",
        "schedule": json.dumps(hours),
        "reassign_after_minutes": "15",
    }
    resp = admin.post(f"/settings/ownership/teams/{team['id']}", form, follow_redirects=False)
    assert resp.headers["location"].endswith("note=saved")
    for name in ("First", "Second"):
        admin.post("/settings/ownership/rules", {"name": name, "definition": '{"actions": {}}'})
    with services.db.session() as s:
        second = s.query(RoutingRuleRow).filter_by(name="Second").one().id
    admin.post(f"/settings/ownership/rules/{second}/up", {})
    bad = admin.post(
        "/settings/ownership/sla", {"name": "X", "definition": "{nope"}, follow_redirects=False
    )
    assert (
        "not%20valid%20JSON" in bad.headers["location"]
        or "not valid JSON" in bad.headers["location"]
    )
    admin.post(
        "/settings/ownership/sla",
        {
            "name": "Std",
            "definition": '{"hours": "calendar", "targets": [{"first_response": "PT1H"}]}',
            "is_default": "on",
        },
    )
    page = client.get("/settings/ownership").text
    assert "Europe/Madrid" in page
    assert "Std" in page
    with services.db.session() as s:
        assert s.get_one(TeamSettings, team["id"]).strategy == "least_loaded"
        order = [r.name for r in s.query(RoutingRuleRow).order_by(RoutingRuleRow.position)]
        assert order == ["Second", "First"]
        assert s.query(SlaPolicyRow).one().is_default


def test_agents_cannot_change_settings(client: Any, services: Services, seeded: Seeded) -> None:
    agent = login(client, "agent@acme.test")
    resp = agent.post(
        "/settings/ownership/rules", {"name": "x", "definition": "{}"}, follow_redirects=False
    )
    assert "saved" not in resp.headers["location"]
    with services.db.session() as s:
        assert s.query(RoutingRuleRow).count() == 0
