"""The agent's day through the REST API: reply, note, assign, tag, snooze, resolve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from dmdesk.models import Event, Message, OutboxItem
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, signed


def _conversation(
    client: Any, services: Services, seeded: Seeded, msg_id: str = "a1", sender: str = "u1"
) -> int:
    body = generic_body(msg_id, sender=sender)
    client.post(
        f"/webhooks/generic/{seeded.channel_id}",
        content=body,
        headers=signed(body, seeded.channel_secret),
    )
    services.pipeline.run_once()
    items = client.get("/api/v1/conversations?view=all", headers=seeded.agent()).json()["items"]
    return int(next(i["id"] for i in items))


def test_reply_goes_through_the_outbox_and_is_marked_sent(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _conversation(client, services, seeded)
    resp = client.post(
        f"/api/v1/conversations/{conv}/messages",
        json={"text": "It ships tomorrow!"},
        headers=seeded.agent(),
    )
    assert resp.status_code == 201
    assert resp.json()["delivery_status"] == "pending"
    assert services.outbox.run_once() == 1
    with services.db.session() as s:
        msg = s.get_one(Message, resp.json()["id"])
        assert msg.delivery_status == "sent"
        assert msg.platform_message_id
        assert s.scalars(select(OutboxItem.status)).one() == "sent"
    row = client.get("/api/v1/conversations?view=all", headers=seeded.agent()).json()["items"][0]
    assert row["waiting_since"] is None  # answered


def test_note_assign_tag_snooze_resolve_are_logged(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _conversation(client, services, seeded)
    h = seeded.agent()
    assert (
        client.post(
            f"/api/v1/conversations/{conv}/notes", json={"text": "VIP"}, headers=h
        ).status_code
        == 201
    )
    assigned = client.post(
        f"/api/v1/conversations/{conv}/assign", json={"assignee_id": seeded.agent_id}, headers=h
    ).json()
    assert assigned["assignee_id"] == seeded.agent_id
    tagged = client.post(
        f"/api/v1/conversations/{conv}/tags", json={"tag": "#Order"}, headers=h
    ).json()
    assert tagged["tags"] == ["order"]
    until = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    snoozed = client.post(
        f"/api/v1/conversations/{conv}/status",
        json={"status": "snoozed", "snoozed_until": until},
        headers=h,
    ).json()
    assert snoozed["status"] == "snoozed"
    assert (
        client.post(
            f"/api/v1/conversations/{conv}/status", json={"status": "resolved"}, headers=h
        ).json()["status"]
        == "resolved"
    )
    with services.db.session() as s:
        types = list(
            s.scalars(select(Event.type).where(Event.conversation_id == conv).order_by(Event.id))
        )
    for expected in (
        "conversation.created",
        "message.created",
        "note.created",
        "conversation.assigned",
        "conversation.tagged",
        "conversation.snoozed",
        "conversation.resolved",
    ):
        assert expected in types
    thread = client.get(f"/api/v1/conversations/{conv}", headers=h).json()
    assert thread["notes"][0]["text"] == "VIP"


def test_stale_version_is_refused_with_409(client: Any, services: Services, seeded: Seeded) -> None:
    conv = _conversation(client, services, seeded)
    version = client.get(f"/api/v1/conversations/{conv}", headers=seeded.agent()).json()[
        "conversation"
    ]["version"]
    client.post(f"/api/v1/conversations/{conv}/tags", json={"tag": "x"}, headers=seeded.admin())
    resp = client.post(
        f"/api/v1/conversations/{conv}/status",
        json={"status": "resolved", "expected_version": version},
        headers=seeded.agent(),
    )
    assert resp.status_code == 409
    assert "changed" in resp.json()["detail"]


def test_invalid_input_is_a_problem_document(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _conversation(client, services, seeded)
    bad = client.post(
        f"/api/v1/conversations/{conv}/status", json={"status": "closed"}, headers=seeded.agent()
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["field"] == "status"
    empty = client.post(f"/api/v1/conversations/{conv}/messages", json={}, headers=seeded.agent())
    assert empty.status_code == 400
    assert "text" in empty.json()["detail"]


def test_other_workspaces_ids_are_not_found(
    client: Any, services: Services, seeded: Seeded
) -> None:
    from tests.conftest import seed_workspace

    other = seed_workspace(services, slug="globex", secret="other")
    conv = _conversation(client, services, seeded)
    h = other.admin()
    assert client.get(f"/api/v1/conversations/{conv}", headers=h).status_code == 404
    assert (
        client.post(
            f"/api/v1/conversations/{conv}/messages", json={"text": "hi"}, headers=h
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/conversations/{conv}/assign", json={"assignee_id": other.agent_id}, headers=h
        ).status_code
        == 404
    )
    assert client.get("/api/v1/conversations?view=all", headers=h).json()["items"] == []
    # an id from the other workspace cannot be assigned into ours either
    resp = client.post(
        f"/api/v1/conversations/{conv}/assign",
        json={"assignee_id": other.agent_id},
        headers=seeded.admin(),
    )
    assert resp.status_code == 404


def test_roles_and_authentication(client: Any, services: Services, seeded: Seeded) -> None:
    assert client.get("/api/v1/conversations").status_code == 401
    assert (
        client.get("/api/v1/conversations", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    new_user = {"email": "new@acme.test", "password": "password1", "role": "agent"}
    assert client.post("/api/v1/users", json=new_user, headers=seeded.agent()).status_code == 403
    created = client.post("/api/v1/users", json=new_user, headers=seeded.admin())
    assert created.status_code == 201
    assert created.json()["role"] == "agent"
    team = client.post("/api/v1/teams", json={"name": "Care"}, headers=seeded.admin()).json()
    added = client.post(
        f"/api/v1/teams/{team['id']}/members",
        json={"user_id": created.json()["id"]},
        headers=seeded.admin(),
    )
    assert added.status_code == 204
    teams = client.get("/api/v1/teams", headers=seeded.agent()).json()
    assert teams[0]["member_ids"] == [created.json()["id"]]
    channel = client.post(
        "/api/v1/channels",
        headers=seeded.admin(),
        json={"platform": "generic", "name": "Shop", "settings": {"secret": "abc"}},
    )
    assert channel.status_code == 201
    assert "secret" not in channel.json()["settings"]
    assert channel.json()["webhook_path"] == f"/webhooks/generic/{channel.json()['id']}"


def test_search_highlights_message_matches(client: Any, services: Services, seeded: Seeded) -> None:
    from dmdesk.queries.search import search_contacts, search_messages

    _conversation(client, services, seeded)
    with services.db.session() as s:
        hits = search_messages(s, workspace_id=seeded.workspace_id, q="order")
        people = search_contacts(s, workspace_id=seeded.workspace_id, q="maria")
    assert len(hits) == 1
    assert "<mark>order</mark>" in hits[0].snippet_html
    assert people[0].name == "Maria Lopez"


def test_health_ready_metrics_and_openapi(client: Any, services: Services, seeded: Seeded) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["migrations_current"] is True
    body = generic_body("met")
    client.post(
        f"/webhooks/generic/{seeded.channel_id}",
        content=body,
        headers=signed(body, seeded.channel_secret),
    )
    metrics = client.get("/metrics").text
    assert 'dmdesk_webhook_events_total{outcome="accepted",platform="generic"} 1.0' in metrics
    assert "dmdesk_inbound_queue_depth 1.0" in metrics
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/conversations/{conv_id}/messages" in spec["paths"]
