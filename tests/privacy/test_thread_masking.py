"""Agents without the "view personal data" permission read threads and inbox previews with
e-mails, phone, card and IBAN numbers masked, in the API and the agent UI; admins and
granted agents read them as written. The stored text never changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dmdesk.models import Message
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.people.kit import dm
from tests.web.conftest import login

TEXT = "write to ana.b@example.org or call +44 20 7946 0958 about order 1234"


def _thread_text(client: Any, conv: int, headers: dict[str, str]) -> str:
    thread = client.get(f"/api/v1/conversations/{conv}", headers=headers).json()
    return str(thread["messages"][0]["text"])


def _preview(client: Any, headers: dict[str, str]) -> str:
    page = client.get("/api/v1/conversations?view=all", headers=headers).json()
    return str(page["items"][0]["preview"])


def test_api_masks_thread_and_preview_for_agents_until_granted(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = dm(services, seeded, "t1", text=TEXT)
    masked = _thread_text(client, conv, seeded.agent())
    assert "ana.b@example.org" not in masked
    assert "7946" not in masked
    assert masked.startswith("write to [email] or call [phone]")
    assert "order 1234" in masked, "short numbers such as order numbers stay readable"
    assert "example.org" not in _preview(client, seeded.agent())
    assert _thread_text(client, conv, seeded.admin()) == TEXT
    assert "ana.b@example.org" in _preview(client, seeded.admin())
    granted = client.put(
        f"/api/v1/users/{seeded.agent_id}/pii-grant", json={"granted": True}, headers=seeded.admin()
    )
    assert granted.status_code == 200
    assert _thread_text(client, conv, seeded.agent()) == TEXT
    with services.db.session() as s:
        assert s.scalars(select(Message.text)).one() == TEXT, "the stored text is untouched"


def test_agent_ui_shows_masked_thread_and_list(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = dm(services, seeded, "t2", text=TEXT)
    agent = login(client, "agent@acme.test")
    page = agent.client.get(f"/conversations/{conv}").text
    assert "ana.b@example.org" not in page
    assert "[email]" in page
    inbox = agent.client.get("/inbox?view=all").text
    assert "ana.b@example.org" not in inbox
    admin = login(client, "admin@acme.test")
    assert "ana.b@example.org" in admin.client.get(f"/conversations/{conv}").text
