"""The replies & automation settings page: forms go through the actions, output is escaped."""

from __future__ import annotations

from typing import Any

from tests.conftest import Seeded
from tests.replies.test_replies_api import API, conversation
from tests.web.conftest import login


def test_settings_page_forms(client: Any, services: Any, seeded: Seeded) -> None:
    admin = login(client, "admin@acme.test")
    created = admin.post(
        "/settings/replies/saved",
        {"name": "<img src=x onerror=alert(1)>", "body": "Hi {{contact.first_name}}"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    admin.post(
        "/settings/replies/rules",
        {"kind": "phrase", "pattern": "refund", "reason": "needs a lead", "effect": "approval"},
    )
    admin.post(
        "/settings/replies/faq",
        {"question": "Opening hours?", "answer": "9-18", "variants": "when are you open\nhours"},
    )
    bad = admin.post(
        "/settings/replies/rules", {"kind": "regex", "pattern": "(a+)+"}, follow_redirects=False
    )
    assert "nested" in bad.headers["location"]
    page = client.get("/settings/replies")
    assert page.status_code == 200
    assert "<img src=x" not in page.text
    assert "&lt;img src=x" in page.text
    assert "Opening hours?" in page.text


def test_approve_from_the_queue(client: Any, services: Any, seeded: Seeded) -> None:
    client.post(
        f"{API}/governance/rules",
        headers=seeded.admin(),
        json={"kind": "phrase", "pattern": "refund", "reason": "lead", "effect": "approval"},
    )
    conv = conversation(client, services, seeded)
    aid = client.post(
        f"{API}/conversations/{conv}/messages",
        headers=seeded.agent(),
        json={"text": "refund coming"},
    ).json()["approval_id"]
    admin = login(client, "admin@acme.test")
    assert "refund coming" in client.get("/settings/replies").text
    admin.post(f"/settings/replies/approvals/{aid}/approve", {"text": "refund coming Friday"})
    assert client.get(f"{API}/approvals", headers=seeded.admin()).json()["items"] == []
