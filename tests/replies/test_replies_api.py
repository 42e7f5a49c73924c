"""Saved replies, macros and the guarded reply path through the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dmdesk.models import Message, OutboxItem
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, signed

API = "/api/v1"


def conversation(client: Any, services: Services, seeded: Seeded, text: str = "Hi!") -> int:
    body = generic_body("r1", text=text, name="Maria <b>Lopez</b>")
    client.post(
        f"/webhooks/generic/{seeded.channel_id}",
        content=body,
        headers=signed(body, seeded.channel_secret),
    )
    services.pipeline.run_once()
    items = client.get(f"{API}/conversations", headers=seeded.admin()).json()["items"]
    return int(items[0]["id"])


def count(services: Services, model: Any) -> int:
    with services.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_saved_reply_lifecycle(client: Any, services: Services, seeded: Seeded) -> None:
    conv = conversation(client, services, seeded)
    bad = client.post(
        f"{API}/saved-replies",
        headers=seeded.agent(),
        json={"name": "x", "body": "Hi {{contact.__class__}}"},
    )
    assert bad.status_code == 400
    made = client.post(
        f"{API}/saved-replies",
        headers=seeded.agent(),
        json={"name": "Order status", "body": "Hi {{contact.first_name}}, order {{order.number}}."},
    )
    assert made.status_code == 201
    rid = made.json()["id"]
    found = client.get(f"{API}/saved-replies?q=order", headers=seeded.agent()).json()["items"]
    assert [r["id"] for r in found] == [rid]
    preview = client.get(
        f"{API}/conversations/{conv}/saved-replies/{rid}/preview", headers=seeded.agent()
    ).json()
    assert preview["unresolved"] == ["order.number"]
    assert not preview["can_send"]
    assert "&lt;b&gt;" not in preview["html"]  # first name is "Maria"
    blocked = client.post(
        f"{API}/conversations/{conv}/saved-replies/{rid}/send", headers=seeded.agent(), json={}
    )
    assert blocked.status_code == 400
    assert "order.number" in blocked.json()["detail"]
    sent = client.post(
        f"{API}/conversations/{conv}/saved-replies/{rid}/send",
        headers=seeded.agent(),
        json={"order_number": "A-17"},
    )
    assert sent.status_code == 201
    assert sent.json()["status"] == "queued"
    assert count(services, OutboxItem) == 1
    again = client.get(f"{API}/saved-replies", headers=seeded.agent()).json()["items"]
    assert again[0]["usage_count"] == 1


def test_generic_first_line_warns(client: Any, services: Services, seeded: Seeded) -> None:
    conv = conversation(client, services, seeded)
    rid = client.post(
        f"{API}/saved-replies",
        headers=seeded.agent(),
        json={"name": "Thanks", "body": "Thanks for your message!\nWe are on it."},
    ).json()["id"]
    sent = client.post(
        f"{API}/conversations/{conv}/saved-replies/{rid}/send", headers=seeded.agent(), json={}
    ).json()
    assert sent["warnings"]
    assert "personalised" in sent["warnings"][0]


def test_macro_runs_all_steps_as_one_write(client: Any, services: Services, seeded: Seeded) -> None:
    conv = conversation(client, services, seeded)
    rid = client.post(
        f"{API}/saved-replies",
        headers=seeded.admin(),
        json={"name": "Done", "body": "Hi {{contact.first_name}}, all sorted."},
    ).json()["id"]
    macro = client.post(
        f"{API}/macros",
        headers=seeded.admin(),
        json={
            "name": "Close out",
            "shared": True,
            "steps": [
                {"action": "send_saved_reply", "saved_reply_id": rid},
                {"action": "tag", "tag": "done"},
                {"action": "set_priority", "priority": "low"},
                {"action": "resolve"},
            ],
        },
    ).json()
    ran = client.post(
        f"{API}/conversations/{conv}/macros/{macro['id']}/run", headers=seeded.agent()
    )
    assert ran.status_code == 200, ran.text
    thread = client.get(f"{API}/conversations/{conv}", headers=seeded.agent()).json()
    assert thread["conversation"]["status"] == "resolved"
    assert thread["conversation"]["tags"] == ["done"]
    assert thread["conversation"]["priority"] == "low"
    broken = client.post(
        f"{API}/macros",
        headers=seeded.admin(),
        json={
            "name": "Bad",
            "steps": [{"action": "tag", "tag": "x"}, {"action": "assign_team", "team_id": 999}],
        },
    ).json()
    failed = client.post(
        f"{API}/conversations/{conv}/macros/{broken['id']}/run", headers=seeded.admin()
    )
    assert failed.status_code == 404
    tags = client.get(f"{API}/conversations/{conv}", headers=seeded.agent()).json()
    assert tags["conversation"]["tags"] == ["done"]  # the first step was undone too
    assert count(services, Message) == 2
