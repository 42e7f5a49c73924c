"""Triage in the pipeline: every new conversation arrives sorted, people's choices stick."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dmdesk.models import Conversation, Event
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, post_generic


def _deliver(
    client: Any, services: Services, seeded: Seeded, msg_id: str, text: str, sender: str
) -> Conversation:
    body = generic_body(msg_id, text=text, sender=sender)
    post_generic(client, seeded, body)
    services.pipeline.run_once()
    with services.db.session() as s:
        conv = s.scalars(select(Conversation).order_by(Conversation.updated_at.desc())).first()
    assert conv is not None
    return conv


def test_phishing_goes_to_quarantine_with_reasons(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _deliver(
        client,
        services,
        seeded,
        "p1",
        "URGENT your account is locked, verify your password at "
        "http://paypa1-secure-login.xyz/verify now",
        "scammer",
    )
    assert conv.category == "spam"
    assert conv.triage["spam"]["is_spam"] is True
    assert conv.triage["spam"]["reasons"]
    views = client.get("/api/v1/conversations?view=spam", headers=seeded.agent()).json()
    assert [r["id"] for r in views["items"]] == [conv.id]
    inbox = client.get("/api/v1/conversations?view=open", headers=seeded.agent()).json()
    assert conv.id not in [r["id"] for r in inbox["items"]]
    with services.db.session() as s:
        event = s.scalars(select(Event).where(Event.type == "triage.applied")).one()
    assert event.data["spam"] is True
    assert "password" not in str(event.data)  # reasons, never the message text


def test_categories_priority_and_personal_data(
    client: Any, services: Services, seeded: Seeded
) -> None:
    complaint = _deliver(
        client,
        services,
        seeded,
        "c1",
        "This is ridiculous, my order arrived broken and nobody answers. Worst service ever!",
        "angry",
    )
    assert complaint.category == "complaint"
    assert complaint.priority in ("high", "urgent")
    card = _deliver(
        client,
        services,
        seeded,
        "c2",
        "Can you charge my card 4111 1111 1111 1111 for the boots?",
        "buyer",
    )
    assert card.triage["needs_secure_channel"] is True
    assert {p["kind"] for p in card.triage["pii"]} == {"card"}


def test_a_human_correction_is_not_overridden(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _deliver(client, services, seeded, "h1", "How much are the Summit boots?", "c9")
    assert conv.category == "sales"
    resp = client.post(
        f"/api/v1/conversations/{conv.id}/category",
        json={"category": "collaboration"},
        headers=seeded.agent(),
    )
    assert resp.json()["category"] == "collaboration"
    again = _deliver(client, services, seeded, "h2", "And do you have size 44?", "c9")
    assert again.id == conv.id
    assert again.category == "collaboration"


def test_a_follow_up_does_not_undo_what_the_thread_is_about(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _deliver(
        client, services, seeded, "f1", "My order 5521 hasn't arrived yet, can you check?", "c7"
    )
    assert conv.category == "support"
    thanks = _deliver(client, services, seeded, "f2", "thank you so much!", "c7")
    assert thanks.id == conv.id
    assert thanks.triage["category"] == "general"  # the message alone
    assert thanks.category == "support"  # the conversation
    assert thanks.triage["kept"] == "the thread is already support"
    sour = _deliver(
        client, services, seeded, "f3", "Still nothing. This is ridiculous, worst service", "c7"
    )
    assert sour.category == "complaint"
    with services.db.session() as s:
        events = s.scalars(
            select(Event).where(Event.type == "triage.applied").order_by(Event.id)
        ).all()
    assert [(e.data["message_category"], e.data["category"]) for e in events] == [
        ("support", "support"),
        ("general", "support"),
        ("complaint", "complaint"),
    ]


def test_an_answered_thread_is_not_quarantined_by_a_later_message(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _deliver(client, services, seeded, "a1", "Where is my parcel? Order 88123", "c8")
    assert conv.category == "support"
    reply = client.post(
        f"/api/v1/conversations/{conv.id}/messages",
        json={"text": "Sorry about that! Could you confirm the postcode?"},
        headers=seeded.agent(),
    )
    assert reply.status_code == 201
    phish = "URGENT your account is locked, verify your password at http://paypa1-login.xyz/v"
    later = _deliver(client, services, seeded, "a2", phish, "c8")
    assert later.id == conv.id
    assert later.triage["spam"]["is_phishing"] is True  # the warning stays on the panel
    assert later.category == "support"
    assert "answered" in later.triage["kept"]
    unanswered = _deliver(client, services, seeded, "a3", "Hi, where is my refund?", "c10")
    assert unanswered.category == "support"
    spam = _deliver(client, services, seeded, "a4", phish, "c10")
    assert spam.id == unanswered.id
    assert spam.category == "spam"
