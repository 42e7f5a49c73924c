"""Retraining from the settings page and the API: admins only (agents get 403), training in
the background, the page and the list show the new version, activate rolls back."""

from __future__ import annotations

from typing import Any

from dmdesk.services import Services
from tests.cli.test_triage_feedback import PARKA, correct, say
from tests.conftest import Seeded
from tests.web.conftest import login

PAGE = "/settings/triage"


def _corrections(svc: Services, seeded: Seeded) -> None:
    for i, text in enumerate(PARKA):
        correct(svc, seeded, say(svc, seeded, f"p{i}", text), "collaboration")


def test_retrain_button_admin_only_and_history(desk: Services, seeded: Seeded, client: Any) -> None:
    _corrections(desk, seeded)
    agent = login(client, "agent@acme.test")
    page = client.get(PAGE).text
    assert "Retrain with" not in page
    assert "No trained versions yet" in page
    refused = agent.post(f"{PAGE}/models/train", {})
    assert refused.status_code == 403
    assert desk.triage_trainer.state(seeded.workspace_id).state == "idle"
    client.cookies.clear()
    admin = login(client, "admin@acme.test")
    assert client.post(f"{PAGE}/models/train", data={}).status_code == 403, "CSRF required"
    assert desk.triage_trainer.state(seeded.workspace_id).state == "idle"
    assert f"Retrain with {len(PARKA)} corrections" in client.get(PAGE).text
    started = admin.post(f"{PAGE}/models/train", {}, follow_redirects=False)
    assert started.status_code == 303
    done = desk.triage_trainer.wait(seeded.workspace_id, timeout=300)
    assert done.state == "trained", done.reason
    page = client.get(PAGE).text
    assert "Trained version 1 at" in page
    assert f"from {len(PARKA)} corrections" in page
    assert "Active: <strong>version 1</strong>" in page
    assert "→ 100%</td>" in page, "accuracy on the corrections, after"
    assert "Go back to the shipped model" in page
    back = admin.post(f"{PAGE}/models/activate", {"version": "0"}, follow_redirects=False)
    assert back.status_code == 303
    page = client.get(PAGE).text
    assert "Active: <strong>the shipped model</strong>" in page
    assert 'Activate<span class="sr-only"> version 1</span>' in page
    assert admin.post(f"{PAGE}/models/activate", {"version": "7"}).status_code == 404


def test_api_train_list_activate(desk: Services, seeded: Seeded, client: Any) -> None:
    url = "/api/v1/triage/models"
    empty = client.get(url, headers=seeded.agent()).json()
    assert (empty["active_version"], empty["items"]) == (0, [])
    assert client.post(url, headers=seeded.admin()).status_code == 400, "no corrections yet"
    _corrections(desk, seeded)
    assert client.post(url, headers=seeded.agent()).status_code == 403
    started = client.post(url, headers=seeded.admin())
    assert started.status_code == 202
    assert started.json()["training"]["state"] == "training"
    desk.triage_trainer.wait(seeded.workspace_id, timeout=300)
    listed = client.get(url, headers=seeded.agent()).json()
    assert listed["active_version"] == 1
    assert listed["training"]["state"] == "trained"
    [item] = listed["items"]
    assert item["meta"]["corrections"] == len(PARKA)
    assert "artefact" not in item
    assert client.post(f"{url}/0/activate", headers=seeded.agent()).status_code == 403
    rolled = client.post(f"{url}/0/activate", headers=seeded.admin())
    assert rolled.status_code == 200
    assert rolled.json()["active_version"] == 0
    assert client.post(f"{url}/5/activate", headers=seeded.admin()).status_code == 404
