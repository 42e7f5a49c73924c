"""The generic webhook end to end on SQLite and PostgreSQL: verify, store once, process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dmdesk.models import Conversation, InboundQueueItem, Message, WebhookDelivery
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, signed


def _count(services: Services, model: Any) -> int:
    with services.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _post(client: Any, seeded: Seeded, body: bytes, **headers: str) -> Any:
    h = signed(body, seeded.channel_secret)
    h.update(headers)
    return client.post(f"/webhooks/generic/{seeded.channel_id}", content=body, headers=h)


def test_signed_message_becomes_a_conversation(
    client: Any, services: Services, seeded: Seeded
) -> None:
    resp = _post(client, seeded, generic_body("m1", text="Hi, is the blue one in stock?"))
    assert resp.status_code == 200
    assert resp.json()["accepted"] == 1
    assert services.pipeline.run_once() == 1
    page = client.get("/api/v1/conversations", headers=seeded.agent()).json()
    assert [r["contact_name"] for r in page["items"]] == ["Maria Lopez"]
    assert page["items"][0]["preview"] == "Hi, is the blue one in stock?"
    assert page["counts"]["unassigned"] == 1


def test_duplicate_delivery_is_stored_once(client: Any, services: Services, seeded: Seeded) -> None:
    body = generic_body("dup-1")
    assert _post(client, seeded, body).json()["accepted"] == 1
    second = _post(client, seeded, body)
    assert second.status_code == 200
    assert second.json() == {"status": "ok", "accepted": 0, "duplicates": 1, "unsupported": 0}
    services.pipeline.run_once()
    assert _count(services, Message) == 1
    assert _count(services, InboundQueueItem) == 1


def test_bad_or_missing_signature_is_refused_and_nothing_stored(
    client: Any, services: Services, seeded: Seeded
) -> None:
    body = generic_body("m-bad")
    wrong = client.post(
        f"/webhooks/generic/{seeded.channel_id}",
        content=body,
        headers={"X-Dmdesk-Signature": "sha256=" + "0" * 64},
    )
    missing = client.post(f"/webhooks/generic/{seeded.channel_id}", content=body)
    assert wrong.status_code == 401
    assert missing.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert _count(services, WebhookDelivery) == 0
    assert _count(services, InboundQueueItem) == 0


def test_malformed_json_and_missing_field_name_the_problem(
    client: Any, services: Services, seeded: Seeded
) -> None:
    bad = _post(client, seeded, b'{"id": "x", ')
    assert bad.status_code == 400
    assert "JSON" in bad.json()["detail"]
    missing = _post(client, seeded, b'{"id": "x", "text": "hi", "sent_at": "2026-01-01T00:00:00Z"}')
    assert missing.status_code == 400
    assert "sender" in missing.json()["detail"]
    wrong_type = _post(
        client, seeded, b'{"id": "x", "sender": {"id": "u"}, "text": "hi", "sent_at": "yesterday"}'
    )
    assert wrong_type.status_code == 400
    assert "sent_at" in wrong_type.json()["detail"]
    assert _count(services, WebhookDelivery) == 0


def test_oversized_body_gets_413_and_unknown_channel_404(
    client: Any, services: Services, seeded: Seeded
) -> None:
    huge = generic_body("big", text="x" * (1024 * 1024 + 10))
    assert _post(client, seeded, huge).status_code == 413
    body = generic_body("m2")
    unknown = client.post(
        "/webhooks/generic/999999", content=body, headers=signed(body, seeded.channel_secret)
    )
    assert unknown.status_code == 404
    assert _count(services, WebhookDelivery) == 0


def test_resolved_conversation_reopens_on_a_new_message(
    client: Any, services: Services, seeded: Seeded
) -> None:
    _post(client, seeded, generic_body("r1"))
    services.pipeline.run_once()
    conv_id = client.get("/api/v1/conversations", headers=seeded.agent()).json()["items"][0]["id"]
    resolved = client.post(
        f"/api/v1/conversations/{conv_id}/status",
        json={"status": "resolved"},
        headers=seeded.agent(),
    )
    assert resolved.json()["status"] == "resolved"
    _post(client, seeded, generic_body("r2", text="one more thing"))
    services.pipeline.run_once()
    with services.db.session() as s:
        conv = s.get_one(Conversation, conv_id)
        assert conv.status == "open"
        assert conv.unread_count == 2


def test_messages_are_ordered_by_platform_time_not_arrival(
    client: Any, services: Services, seeded: Seeded
) -> None:
    from datetime import UTC, datetime

    late = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
    early = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    _post(client, seeded, generic_body("o2", text="second", sent_at=late))
    _post(client, seeded, generic_body("o1", text="first", sent_at=early))
    services.pipeline.run_once()
    conv_id = client.get("/api/v1/conversations", headers=seeded.agent()).json()["items"][0]["id"]
    thread = client.get(f"/api/v1/conversations/{conv_id}", headers=seeded.agent()).json()
    assert [m["text"] for m in thread["messages"]] == ["first", "second"]
    with services.db.session() as s:
        conv = s.get_one(Conversation, conv_id)
        assert conv.first_inbound_at == early
        assert conv.last_message_preview == "second"
