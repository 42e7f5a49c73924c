"""Outbound-webhook secrets in rules: sealed at rest, never returned, kept on edit, and rows
written before migration 0202 re-encrypted by it."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import select

from dmdesk.actions.automation import SEALED
from dmdesk.db.migrate import alembic_config, upgrade
from dmdesk.db.secretbox import SecretBox
from dmdesk.models.replies import AutomationRule
from dmdesk.rules.jobs import SIGNATURE_HEADER, deliver_webhooks, sign
from dmdesk.services import Services
from tests.automation.kit import inbound
from tests.conftest import Seeded
from tests.replies.test_replies_api import API

HOOK = "https://crm.example.test/hook"


def _definition(secret: str | None) -> dict[str, Any]:
    action: dict[str, Any] = {"action": "call_webhook", "url": HOOK}
    if secret is not None:
        action["secret"] = secret
    return {"trigger": {"event": "conversation_created"}, "actions": [action]}


def _stored(services: Services) -> dict[str, Any]:
    with services.db.session() as s:
        return dict(s.scalars(select(AutomationRule)).one().definition)


def test_secret_is_sealed_hidden_and_kept_on_edit(
    client: Any, services: Services, seeded: Seeded
) -> None:
    made = client.post(
        f"{API}/automation/rules",
        headers=seeded.admin(),
        json={"name": "CRM", "definition": _definition("whsec-original")},
    )
    assert made.status_code == 201
    assert "whsec-original" not in made.text
    assert made.json()["definition"]["actions"][0]["secret"] == "set"
    action = _stored(services)["actions"][0]
    assert "secret" not in action
    assert "whsec-original" not in json.dumps(action)
    assert services.box.open(action[SEALED]) == {"secret": "whsec-original"}
    listed = client.get(f"{API}/automation/rules", headers=seeded.admin())
    assert "whsec-original" not in listed.text
    assert SEALED not in listed.text
    rule_id = made.json()["id"]
    kept = client.put(
        f"{API}/automation/rules/{rule_id}",
        headers=seeded.admin(),
        json={"name": "CRM 2", "definition": _definition("set")},
    )
    assert kept.status_code == 200
    assert kept.json()["name"] == "CRM 2"
    assert services.box.open(_stored(services)["actions"][0][SEALED]) == {
        "secret": "whsec-original"
    }
    rotated = client.put(
        f"{API}/automation/rules/{rule_id}",
        headers=seeded.admin(),
        json={"name": "CRM 2", "definition": _definition("whsec-new")},
    )
    assert rotated.status_code == 200
    assert services.box.open(_stored(services)["actions"][0][SEALED]) == {"secret": "whsec-new"}


def test_a_sealed_value_cannot_be_injected_and_a_new_url_needs_a_secret(
    client: Any, services: Services, seeded: Seeded
) -> None:
    forged = _definition(None)
    forged["actions"][0][SEALED] = SecretBox("attacker-key").seal({"secret": "x"})
    refused = client.post(
        f"{API}/automation/rules",
        headers=seeded.admin(),
        json={"name": "CRM", "definition": forged},
    )
    assert refused.status_code == 400
    assert "secret" in refused.text


def test_delivery_signs_with_the_decrypted_secret(svc: Services, ws: Seeded) -> None:
    from tests.automation.test_rules import _rule

    _rule(svc, ws, "Notify", _definition("whsec-signing"))
    inbound(svc, ws, "hello")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    report = deliver_webhooks(svc, client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert report.webhooks_delivered == 1
    assert seen[0].headers[SIGNATURE_HEADER] == sign("whsec-signing", seen[0].content)


def _sqlite_rows(path: Path) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(path)) as conn:
        return [json.loads(r[0]) for r in conn.execute("SELECT definition FROM automation_rules")]


def test_migration_0202_reseals_plaintext_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0202@-1")
    legacy = {**_definition("plain-old"), "owner_id": None}
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "INSERT INTO workspaces (id, name, slug, timezone, brand_names, settings, created_at)"
            " VALUES (1, 'w', 'w', 'UTC', '[]', '{}', '2026-01-01')"
        )
        conn.execute(
            "INSERT INTO automation_rules (id, workspace_id, name, enabled, definition, run_count,"
            " created_at, updated_at) VALUES (1, 1, 'old', 1, ?, 0, '2026-01-01', '2026-01-01')",
            (json.dumps(legacy),),
        )
        conn.commit()
    monkeypatch.setenv("DMDESK_SECRET_KEY", "migration-key")
    upgrade(url)
    action = _sqlite_rows(path)[0]["actions"][0]
    assert "secret" not in action
    assert SecretBox("migration-key").open(action[SEALED]) == {"secret": "plain-old"}
