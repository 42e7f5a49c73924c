"""The triage panel in the conversation view: what the agent sees (verdict, reasons, masked
personal data with the secure-channel prompt, phishing warning) and the corrections."""

from __future__ import annotations

from functools import cache
from typing import Any

from markupsafe import escape
from sqlalchemy import select

from dmdesk.actions.triage import do_apply_triage
from dmdesk.models import Conversation, Event
from dmdesk.services import Services
from dmdesk.triage.engine import TriageEngine
from tests.conftest import Seeded, seed_workspace
from tests.web.conftest import Agent, ingest

CARD = "4111 1111 1111 1111"
PHISH = "URGENT: your PayPal account is locked, verify now at http://paypa1-secure.xyz/login"


@cache
def engine() -> TriageEngine:
    return TriageEngine.load()


def triaged(services: Services, seeded: Seeded, msg_id: str, text: str, sender: str) -> int:
    """A conversation whose inbound message went through triage, as the pipeline does it."""
    conv_id = ingest(services, seeded.channel_id, msg_id, text=text, sender=sender)
    verdict = engine().classify(text).to_json()

    def work(s: Any) -> None:
        conv = s.get_one(Conversation, conv_id)
        do_apply_triage(s, conv=conv, verdict=verdict, message_id=None, at=services.clock())

    services.db.write(work)
    return conv_id


def category_of(services: Services, conv_id: int) -> str | None:
    with services.db.session() as s:
        return s.get_one(Conversation, conv_id).category


def test_panel_shows_the_verdict_masks_personal_data_and_prompts_a_secure_channel(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    text = f"My card {CARD} was charged twice for order 5521, please refund me"
    conv = triaged(services, seeded, "m1", text, "u1")
    page = agent.client.get(f"/conversations/{conv}").text
    assert 'id="triage-panel"' in page
    assert "Personal data in this conversation" in page
    assert "Move this exchange to a secure channel" in page
    assert "payment card" in page
    assert CARD not in page.split('id="triage-panel"')[1].split("</section>")[0]
    assert "1111" in page, "the masked preview keeps the last digits"
    verdict = engine().classify(text).to_json()
    assert f"{round(verdict['category_confidence'] * 100)}%" in page
    for reason in verdict["priority_reasons"][:2]:
        assert str(escape(reason)) in page
    assert '<label for="triage-category">Category</label>' in page
    assert "/static/triage.css?v=" in page


def test_phishing_is_explained_and_not_spam_brings_it_back(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    conv = triaged(services, seeded, "m2", PHISH, "u2")
    assert category_of(services, conv) == "spam"
    page = agent.client.get(f"/conversations/{conv}").text
    assert "Phishing suspected" in page
    assert "lookalike domain paypa1-secure.xyz (paypal)" in page
    assert "Back to the inbox as" in page
    spam_list = agent.client.get("/inbox?view=spam").text
    assert f"/conversations/{conv}" in spam_list
    resp = agent.post(
        f"/conversations/{conv}/triage/spam",
        {"spam": "0", "category": "support"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    assert category_of(services, conv) == "support"
    assert f"/conversations/{conv}" in agent.client.get("/inbox?view=open").text
    assert f"/conversations/{conv}" not in agent.client.get("/inbox?view=spam").text


def test_an_answered_thread_keeps_its_category_and_shows_the_warning(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    conv = triaged(services, seeded, "k1", "Where is my parcel? Order 88123", "u5")
    assert category_of(services, conv) == "support"

    def answered(s: Any) -> None:
        s.get_one(Conversation, conv).first_human_reply_at = services.clock()

    services.db.write(answered)
    assert triaged(services, seeded, "k2", PHISH, "u5") == conv
    assert category_of(services, conv) == "support"
    page = agent.client.get(f"/conversations/{conv}").text
    assert "Phishing suspected" in page
    assert (
        "The latest message alone reads as spam (100%); the conversation stays support: "
        "the team already answered this thread." in page
    )
    assert f"/conversations/{conv}" not in agent.client.get("/inbox?view=spam").text


def test_mark_spam_and_correct_category_stick_and_are_logged(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    conv = triaged(services, seeded, "m3", "Hi, is the blue backpack in stock?", "u3")
    resp = agent.post(f"/conversations/{conv}/triage/spam", {"spam": "1"}, follow_redirects=False)
    assert resp.status_code == 303
    assert category_of(services, conv) == "spam"
    page = agent.client.get(f"/conversations/{conv}").text
    assert "Not spam" in page
    assert "marked this as spam" in page, "the mark shows in the thread's timeline"
    fragment = agent.client.post(
        f"/conversations/{conv}/triage/category",
        data={"csrf_token": agent.csrf, "category": "collaboration"},
        headers={"X-Fragment": "1"},
    )
    assert fragment.status_code == 200
    assert 'id="thread"' in fragment.text
    assert "(set by an agent)" in fragment.text
    triaged_again = engine().classify("and in red?").to_json()

    def work(s: Any) -> None:
        c = s.get_one(Conversation, conv)
        do_apply_triage(s, conv=c, verdict=triaged_again, message_id=None, at=services.clock())

    services.db.write(work)
    assert category_of(services, conv) == "collaboration", "triage keeps the agent's choice"
    with services.db.session() as s:
        kinds = list(
            s.scalars(select(Event.type).where(Event.conversation_id == conv).order_by(Event.id))
        )
    assert "conversation.marked_spam" in kinds
    assert "conversation.category_corrected" in kinds


def test_refusals_csrf_bad_category_and_other_workspaces(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    conv = triaged(services, seeded, "m4", "Do you ship to Spain?", "u4")
    no_token = agent.client.post(f"/conversations/{conv}/triage/spam", data={"spam": "1"})
    assert no_token.status_code == 403
    bad = agent.post(f"/conversations/{conv}/triage/category", {"category": "refund"})
    assert bad.status_code == 400
    assert "unknown category" in bad.text
    other = seed_workspace(services, slug="other", secret="x")
    theirs = ingest(services, other.channel_id, "o1", text="hello", sender="z")
    assert agent.post(f"/conversations/{theirs}/triage/spam", {"spam": "1"}).status_code == 404
    assert category_of(services, theirs) is None
