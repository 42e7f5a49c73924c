"""The ownership and notifications API: settings, rules (CRUD, reorder, dry run), SLA
views, claim and hand-off, escalation, notifications, presence and collision."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dmdesk.app import create_app
from dmdesk.services import Services
from tests.conftest import Seeded, seed_workspace
from tests.ownership.kit import clock, inbound


@pytest.fixture
def api(svc: Services) -> Iterator[TestClient]:
    with TestClient(create_app(svc.settings, services=svc)) as c:
        yield c


def _eventually(fetch: Callable[[], list[Any]]) -> list[Any]:
    """Notifications come from bus subscribers, on the dispatcher thread after commit."""
    deadline = time.monotonic() + 10
    while not (found := fetch()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def test_rules_settings_and_dry_run(api: TestClient, svc: Services, ws: Seeded) -> None:
    h = ws.admin()
    team = _ok(api.post("/api/v1/teams", json={"name": "Sales"}, headers=h), 201)
    schedule = {
        "timezone": "Europe/Madrid",
        "shifts": [{"weekday": "mon", "start": "09:00", "end": "17:00"}],
    }
    settings = _ok(
        api.patch(
            f"/api/v1/teams/{team['id']}/settings",
            json={"schedule": schedule, "strategy": "least_loaded"},
            headers=h,
        )
    )
    assert settings["timezone"] == "Europe/Madrid"
    hours = _ok(api.get(f"/api/v1/teams/{team['id']}/hours", headers=h))
    assert hours["open"] is False
    assert hours["next_opening_text"] == "Monday 09:00 (Europe/Madrid)"
    first = _ok(
        api.post(
            "/api/v1/routing/rules",
            json={
                "name": "Refunds",
                "definition": {
                    "conditions": [{"kind": "text_contains", "any_of": ["refund"]}],
                    "actions": {"team": "Sales"},
                },
            },
            headers=h,
        ),
        201,
    )
    second = _ok(api.post("/api/v1/routing/rules", json={"name": "All"}, headers=h), 201)
    bad = api.post(
        "/api/v1/routing/rules",
        json={"name": "x", "definition": {"conditions": [{"kind": "nope"}]}},
        headers=h,
    )
    assert bad.status_code in (400, 422)
    order = _ok(
        api.post(
            "/api/v1/routing/rules/reorder",
            json={"rule_ids": [second["id"], first["id"]]},
            headers=h,
        )
    )
    assert [r["id"] for r in order] == [second["id"], first["id"]]
    conv_id = inbound(svc, ws, "refund please")
    result = _ok(api.post("/api/v1/routing/dry-run", json={"conversation_id": conv_id}, headers=h))
    assert result["rule_id"] == second["id"]
    _ok(api.delete(f"/api/v1/routing/rules/{second['id']}", headers=h), 204)
    assert (
        _ok(api.post("/api/v1/routing/dry-run", json={"conversation_id": conv_id}, headers=h))[
            "rule_name"
        ]
        == "Refunds"
    )
    assert (
        api.patch(f"/api/v1/teams/{team['id']}/settings", json={}, headers=ws.agent()).status_code
        == 403
    )


def test_sla_claim_hand_off_and_notifications(api: TestClient, svc: Services, ws: Seeded) -> None:
    h = ws.admin()
    policy = {"hours": "calendar", "targets": [{"first_response": "PT1H"}]}
    _ok(
        api.put(
            "/api/v1/sla/policies/Standard",
            json={"definition": policy, "is_default": True},
            headers=h,
        )
    )
    conv_id = inbound(svc, ws, "help")
    chip = _ok(api.get(f"/api/v1/conversations/{conv_id}/sla", headers=h))
    assert (chip["state"], chip["target"]) == ("ok", "first_response")
    _ok(api.post(f"/api/v1/conversations/{conv_id}/claim", headers=ws.agent()))
    assert api.post(f"/api/v1/conversations/{conv_id}/claim", headers=h).status_code == 409
    from dmdesk.routing.jobs import run_sla_check

    clock(svc).advance(minutes=50)
    run_sla_check(svc)
    soon = _ok(api.get("/api/v1/sla/breaching?within_minutes=15", headers=h))
    assert [row["conversation_id"] for row in soon] == [conv_id]
    clock(svc).advance(minutes=20)
    run_sla_check(svc)
    assert [r["conversation_id"] for r in _ok(api.get("/api/v1/sla/breached", headers=h))] == [
        conv_id
    ]
    kinds = [n["kind"] for n in _ok(api.get("/api/v1/notifications", headers=ws.agent()))]
    assert kinds.count("sla") == 2
    _ok(
        api.post(
            f"/api/v1/conversations/{conv_id}/hand-off",
            json={"to_user_id": ws.admin_id, "note": "over to you"},
            headers=ws.agent(),
        )
    )
    admin_notes = _eventually(lambda: _ok(api.get("/api/v1/notifications?unread=true", headers=h)))
    assert [n["kind"] for n in admin_notes] == ["assignment"]
    assert _ok(api.post("/api/v1/notifications/read", json={}, headers=h)) == {"marked": 1}
    assert (
        _ok(api.put("/api/v1/notifications/preferences", json={"reply": False}, headers=h))["reply"]
        is False
    )
    esc = _ok(
        api.post(
            f"/api/v1/conversations/{conv_id}/escalations",
            json={"kind": "specialist", "target": str(ws.agent_id)},
            headers=h,
        ),
        201,
    )
    assert (esc["kind"], esc["state"]) == ("specialist", "done")


def test_presence_and_collision(api: TestClient, svc: Services, ws: Seeded) -> None:
    conv_id = inbound(svc, ws, "hello")
    assert (
        _ok(
            api.post("/api/v1/presence/heartbeat", json={"presence": "online"}, headers=ws.agent())
        )["presence"]
        == "online"
    )
    _ok(
        api.post(
            f"/api/v1/conversations/{conv_id}/presence",
            json={"activity": "typing"},
            headers=ws.agent(),
        ),
        204,
    )
    seen = _ok(api.get(f"/api/v1/conversations/{conv_id}/presence", headers=ws.admin()))
    assert [(v["user_id"], v["activity"]) for v in seen] == [(ws.agent_id, "typing")]
    clock(svc).advance(seconds=11)
    assert _ok(api.get(f"/api/v1/conversations/{conv_id}/presence", headers=ws.admin())) == []
    other = seed_workspace(svc, slug="other", secret="x")
    assert (
        api.get(f"/api/v1/conversations/{conv_id}/presence", headers=other.admin()).status_code
        == 404
    )
    assert api.get(f"/api/v1/conversations/{conv_id}/sla", headers=other.admin()).status_code == 404


def test_email_reply_threads_back_as_a_note(api: TestClient, svc: Services, ws: Seeded) -> None:
    from dmdesk.actions.escalation import reply_token

    h = ws.admin()
    conv_id = inbound(svc, ws, "please call me")
    _ok(
        api.post(
            f"/api/v1/conversations/{conv_id}/escalations",
            json={"kind": "email", "target": "billing@acme.test", "note": "call back"},
            headers=h,
        ),
        201,
    )
    token = reply_token(svc.settings.effective_secret_key(), conv_id)
    body = {"to": f"reply+{token}@acme.test", "from": "billing@acme.test", "text": "Called her."}
    out = _ok(api.post("/api/v1/escalations/email-replies", json=body, headers=h), 201)
    assert out["conversation_id"] == conv_id
    thread = _ok(api.get(f"/api/v1/conversations/{conv_id}", headers=h))
    assert any("Called her." in n["text"] for n in thread["notes"])
    [esc] = _ok(api.get(f"/api/v1/conversations/{conv_id}/escalations", headers=h))
    assert esc["state"] == "replied"
    forged = {**body, "to": f"reply+{conv_id}.0000@acme.test"}
    assert api.post("/api/v1/escalations/email-replies", json=forged, headers=h).status_code == 404
