"""Governance on send: blocked words, the approval queue, and no way around it via the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dmdesk.models import Event, Message, OutboxItem
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.replies.test_replies_api import API, conversation, count


def _rules(client: Any, seeded: Seeded) -> None:
    for rule in (
        {
            "kind": "phrase",
            "pattern": "refund",
            "reason": "refunds need a lead",
            "effect": "approval",
            "topic": "refunds",
        },
        {"kind": "word", "pattern": "guarantee", "reason": "legal", "alternative": "aim to"},
    ):
        assert (
            client.post(f"{API}/governance/rules", headers=seeded.admin(), json=rule).status_code
            == 201
        )


def _events(services: Services, prefix: str) -> list[str]:
    with services.db.session() as s:
        return [e for e in s.scalars(select(Event.type)) if e.startswith(prefix)]


def test_live_check_returns_spans(client: Any, services: Services, seeded: Seeded) -> None:
    _rules(client, seeded)
    out = client.post(
        f"{API}/governance/check", headers=seeded.agent(), json={"text": "We guarantee a refund"}
    ).json()
    assert [(f["start"], f["end"]) for f in out["findings"]] == [(3, 12), (15, 21)]
    assert out["verdict"] == "block"


def test_blocked_reply_is_refused(client: Any, services: Services, seeded: Seeded) -> None:
    _rules(client, seeded)
    conv = conversation(client, services, seeded)
    resp = client.post(
        f"{API}/conversations/{conv}/messages",
        headers=seeded.agent(),
        json={"text": "We guarantee it"},
    )
    assert resp.status_code == 422
    assert "aim to" in resp.json()["detail"]
    assert count(services, OutboxItem) == 0


def test_sensitive_reply_waits_for_approval(
    client: Any, services: Services, seeded: Seeded
) -> None:
    _rules(client, seeded)
    conv = conversation(client, services, seeded)
    resp = client.post(
        f"{API}/conversations/{conv}/messages",
        headers=seeded.agent(),
        json={"text": "You will get a refund today"},
    )
    assert resp.status_code == 201
    parked = resp.json()
    assert parked["status"] == "awaiting_approval"
    assert parked["id"] is None
    assert count(services, OutboxItem) == 0
    assert count(services, Message) == 1
    aid = parked["approval_id"]
    queue = client.get(f"{API}/approvals", headers=seeded.admin()).json()["items"]
    assert [a["id"] for a in queue] == [aid]
    bubbles = client.get(f"{API}/conversations/{conv}/approvals", headers=seeded.agent()).json()
    assert [(a["id"], a["status"]) for a in bubbles["items"]] == [(aid, "awaiting_approval")]
    own = client.post(f"{API}/approvals/{aid}/approve", headers=seeded.agent(), json={})
    assert own.status_code == 403  # an agent cannot approve, not even their own reply
    ok = client.post(
        f"{API}/approvals/{aid}/approve",
        headers=seeded.admin(),
        json={"text": "You will get a refund by Friday"},
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "approved"
    assert count(services, OutboxItem) == 1
    with services.db.session() as s:
        sent = s.scalars(select(Message).where(Message.direction == "outbound")).one()
    assert sent.text == "You will get a refund by Friday"
    twice = client.post(f"{API}/approvals/{aid}/approve", headers=seeded.admin(), json={})
    assert twice.status_code == 409
    assert _events(services, "reply.") == ["reply.approval_requested", "reply.approved"]


def test_rejection_needs_a_comment_and_sends_nothing(
    client: Any, services: Services, seeded: Seeded
) -> None:
    _rules(client, seeded)
    conv = conversation(client, services, seeded)
    aid = client.post(
        f"{API}/conversations/{conv}/messages", headers=seeded.agent(), json={"text": "refund ok"}
    ).json()["approval_id"]
    assert (
        client.post(f"{API}/approvals/{aid}/reject", headers=seeded.admin(), json={}).status_code
        == 400
    )
    done = client.post(
        f"{API}/approvals/{aid}/reject",
        headers=seeded.admin(),
        json={"comment": "Policy says store credit"},
    ).json()
    assert done["status"] == "rejected"
    assert done["comment"] == "Policy says store credit"
    assert count(services, OutboxItem) == 0


def test_no_path_around_approval(client: Any, services: Services, seeded: Seeded) -> None:
    """Flagged agents and sensitive saved replies or macros all land in the queue."""
    _rules(client, seeded)
    conv = conversation(client, services, seeded)
    client.patch(
        f"{API}/governance/settings",
        headers=seeded.admin(),
        json={"approval_user_ids": [seeded.agent_id]},
    )
    plain = client.post(
        f"{API}/conversations/{conv}/messages", headers=seeded.agent(), json={"text": "Hello there"}
    ).json()
    assert plain["status"] == "awaiting_approval"
    rid = client.post(
        f"{API}/saved-replies",
        headers=seeded.admin(),
        json={"name": "Refund", "body": "Hi {{contact.first_name}}, your refund is done."},
    ).json()["id"]
    via_saved = client.post(
        f"{API}/conversations/{conv}/saved-replies/{rid}/send", headers=seeded.admin(), json={}
    ).json()
    assert via_saved["status"] == "awaiting_approval"
    macro = client.post(
        f"{API}/macros",
        headers=seeded.admin(),
        json={"name": "m", "steps": [{"action": "send_saved_reply", "saved_reply_id": rid}]},
    ).json()
    client.post(f"{API}/conversations/{conv}/macros/{macro['id']}/run", headers=seeded.admin())
    assert count(services, OutboxItem) == 0
    assert len(client.get(f"{API}/approvals", headers=seeded.admin()).json()["items"]) == 3
    forged = client.post(
        f"{API}/conversations/{conv}/messages",
        headers=seeded.agent(),
        json={"text": "refund", "status": "approved", "approved": True},
    )
    assert forged.json()["status"] == "awaiting_approval"
    assert count(services, OutboxItem) == 0


def test_typed_variable_placeholders_cannot_be_sent(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = conversation(client, services, seeded)
    resp = client.post(
        f"{API}/conversations/{conv}/messages",
        headers=seeded.agent(),
        json={"text": "Hi {{contact.first_name}}, thanks!"},
    )
    assert resp.status_code == 400
    assert "contact.first_name" in resp.json()["detail"]
    assert count(services, OutboxItem) == 0
