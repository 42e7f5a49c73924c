"""Form POSTs: CSRF, reply, note, assign, tags, resolve/reopen, snooze, the send guard and
refused sends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dmdesk.models import Channel, Conversation, Message, Note
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.web.conftest import Agent, ingest


def _conv(services: Services, conv_id: int) -> Conversation:
    with services.db.session() as s:
        return s.get_one(Conversation, conv_id)


def test_form_post_without_csrf_is_refused(agent: Agent, services: Services, conv_id: int) -> None:
    resp = agent.client.post(f"/conversations/{conv_id}/send", data={"text": "hello"})
    assert resp.status_code == 403
    assert "expired" in resp.text
    wrong = agent.client.post(
        f"/conversations/{conv_id}/status", data={"status": "resolved", "csrf_token": "nope"}
    )
    assert wrong.status_code == 403
    assert _conv(services, conv_id).status == "open"
    with services.db.session() as s:
        assert s.scalars(select(Message).where(Message.direction == "outbound")).first() is None


def test_reply_and_note_through_the_composer(
    agent: Agent, services: Services, conv_id: int
) -> None:
    version = _conv(services, conv_id).version
    resp = agent.post(
        f"/conversations/{conv_id}/send?view=mine",
        {"text": "It is!", "mode": "reply", "expected_version": version},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    assert resp.headers["location"] == f"/conversations/{conv_id}?view=mine"
    note = agent.post(
        f"/conversations/{conv_id}/send",
        {"text": "Check stock first", "mode": "note"},
        follow_redirects=False,
    )
    assert note.status_code == 303
    with services.db.session() as s:
        reply = s.scalars(select(Message).where(Message.direction == "outbound")).one()
        assert reply.text == "It is!"
        assert s.scalars(select(Note.text)).one() == "Check stock first"
    html = agent.client.get(f"/conversations/{conv_id}").text
    assert "It is!" in html
    assert "Check stock first" in html


def test_send_guard_warns_when_the_conversation_changed(
    agent: Agent, services: Services, seeded: Seeded, conv_id: int
) -> None:
    stale = _conv(services, conv_id).version
    ingest(services, seeded.channel_id, "m2", text="Hello??")
    resp = agent.post(
        f"/conversations/{conv_id}/send",
        {"text": "Yes", "mode": "reply", "expected_version": stale},
        headers={"X-Fragment": "1"},
    )
    assert resp.status_code == 409
    assert "This conversation changed" in resp.text
    assert "Send anyway" in resp.text
    assert ">Yes</textarea>" in resp.text
    again = agent.post(
        f"/conversations/{conv_id}/send",
        {"text": "Yes", "mode": "reply", "expected_version": stale, "force": "1"},
        headers={"X-Fragment": "1"},
    )
    assert again.status_code == 200
    assert "Yes" in again.text
    assert "This conversation changed" not in again.text


def test_refused_send_shows_the_reason_and_the_alternative(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    old = services.clock() - timedelta(days=2)
    conv_id = ingest(services, seeded.channel_id, "w1", text="Hi", at=old)

    def to_whatsapp(s: Any) -> None:
        s.get_one(Channel, seeded.channel_id).platform = "whatsapp"

    services.db.write(to_whatsapp)
    resp = agent.post(f"/conversations/{conv_id}/send", {"text": "Hello", "mode": "reply"})
    assert resp.status_code == 422
    assert "only approved templates" in resp.text
    assert "Send an approved template instead." in resp.text
    assert ">Hello</textarea>" in resp.text


def test_assign_tag_resolve_reopen_and_snooze(
    agent: Agent, services: Services, seeded: Seeded, conv_id: int
) -> None:
    base = f"/conversations/{conv_id}"
    assert agent.post(f"{base}/assign", {"assignee": "me"}).status_code == 200
    assert _conv(services, conv_id).assignee_id == seeded.agent_id
    agent.post(f"{base}/tags", {"tag": "Order, vip"})
    html = agent.client.get(base).text
    assert "#order" in html
    assert "#vip" in html
    agent.post(f"{base}/tags", {"remove": "vip"})
    assert 'class="chip tag">#vip' not in agent.client.get(base).text
    assert agent.post(f"{base}/tags", {"tag": " "}).status_code == 400
    agent.post(f"{base}/status", {"status": "resolved"})
    assert _conv(services, conv_id).status == "resolved"
    assert "Reopen" in agent.client.get(base).text
    agent.post(f"{base}/status", {"status": "open"})
    assert _conv(services, conv_id).status == "open"
    agent.post(f"{base}/status", {"status": "snoozed", "snooze": "tomorrow", "tz": "Europe/Madrid"})
    conv = _conv(services, conv_id)
    assert conv.status == "snoozed"
    assert conv.snoozed_until is not None
    bad = agent.post(f"{base}/status", {"status": "snoozed", "snooze": "custom", "until": "soon"})
    assert bad.status_code == 400
    assert "choose when the snooze ends" in bad.text
    assert agent.post(f"{base}/assign", {"assignee": ""}).status_code == 200
    assert _conv(services, conv_id).assignee_id is None


def test_fetch_posts_may_carry_the_token_in_a_header(
    agent: Agent, services: Services, conv_id: int
) -> None:
    resp = agent.client.post(
        f"/conversations/{conv_id}/status",
        data={"status": "resolved"},
        headers={"X-CSRF-Token": agent.csrf, "X-Fragment": "1"},
    )
    assert resp.status_code == 200
    assert 'id="thread"' in resp.text
    assert "<html" not in resp.text
    assert _conv(services, conv_id).status == "resolved"


def test_waiting_on_customer(agent: Agent, services: Services, conv_id: int) -> None:
    page = agent.client.get(f"/conversations/{conv_id}").text
    assert "Waiting on customer</button>" in page
    agent.post(f"/conversations/{conv_id}/status", {"status": "pending"})
    assert _conv(services, conv_id).status == "pending"


def test_the_composer_cannot_bypass_approval(
    agent: Agent, client: Any, services: Services, seeded: Seeded, conv_id: int
) -> None:
    from sqlalchemy import func, select

    from dmdesk.models import OutboxItem

    client.post(
        "/api/v1/governance/rules",
        headers=seeded.admin(),
        json={"kind": "phrase", "pattern": "refund", "reason": "lead", "effect": "approval"},
    )
    resp = agent.post(
        f"/conversations/{conv_id}/send",
        {"text": "Your refund is on its way", "mode": "reply", "force": "1"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxItem)) == 0
    queue = client.get("/api/v1/approvals", headers=seeded.admin()).json()["items"]
    assert [a["status"] for a in queue] == ["awaiting_approval"]
