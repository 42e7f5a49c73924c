"""Opt-out words in several languages, keyword opt-in flows, and follow-ups: a contact who
opted out is never messaged by a flow, a follow-up or a campaign."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dmdesk.actions.campaigns import do_create_campaign, do_send_campaign
from dmdesk.actions.consent import consents_of, has_consent, is_opted_out
from dmdesk.actions.conversations import conversation_tags
from dmdesk.actions.keyword_flows import do_create_keyword_flow
from dmdesk.models import Contact, Conversation, Event
from dmdesk.rules.jobs import run_due_followups
from dmdesk.services import Services
from tests.automation.kit import clock, inbound, outbound_rows, outbound_texts, user
from tests.conftest import Seeded


def _flow(svc: Services, ws: Seeded, **extra: Any) -> None:
    admin = user(svc, ws.admin_id)
    svc.db.write(
        lambda s: do_create_keyword_flow(
            s,
            user=admin,
            keyword="GUIDE",
            purpose="guide",
            at=svc.clock(),
            reply_text="Here is your guide: https://example.test/guide",
            consent_wording="Send me the guide",
            tag="lead-guide",
            quick_replies=["More tips"],
            **extra,
        )
    )


def _contact_id(svc: Services, conv_id: int) -> int:
    with svc.db.session() as s:
        return s.get_one(Conversation, conv_id).contact_id


STOP_WORDS = [
    "STOP",
    "stop.",
    "Unsubscribe",
    "STOPP",
    "ARRÊT",
    "arret",
    "BAJA",
    "Alto",
    "PARAR",
    "стоп",
]


def test_stop_words_revoke_at_once_and_confirm(svc: Services, ws: Seeded) -> None:
    for word in STOP_WORDS:
        inbound(svc, ws, "hello", sender=word)
        conv = inbound(svc, ws, word, sender=word)
        with svc.db.session() as s:
            assert is_opted_out(s, _contact_id(svc, conv)), word
            assert "opted-out" in conversation_tags(s, conv)
        replies = outbound_rows(svc, conv)
        assert [m.author_kind for m in replies] == ["bot"], word
    assert outbound_texts(svc, conv)[0].startswith("Вы отписались")


def test_a_sentence_with_stop_in_it_is_not_an_opt_out(svc: Services, ws: Seeded) -> None:
    conv = inbound(svc, ws, "please don't stop the delivery of my order, it is urgent")
    with svc.db.session() as s:
        assert not is_opted_out(s, _contact_id(svc, conv))


def test_keyword_flow_sends_records_consent_tags(svc: Services, ws: Seeded) -> None:
    _flow(svc, ws)
    conv = inbound(svc, ws, "guide!")
    rows = outbound_rows(svc, conv)
    assert [m.text for m in rows] == ["Here is your guide: https://example.test/guide"]
    assert rows[0].author_kind == "bot"
    assert rows[0].meta["quick_replies"][0]["title"] == "More tips"
    with svc.db.session() as s:
        consent = consents_of(s, _contact_id(svc, conv))[0]
        assert (consent.purpose, consent.granted, consent.wording) == ("guide", True, "guide!")
        assert consent.source == "keyword:guide"
        assert consent.updated_at == svc.clock()
        assert "lead-guide" in conversation_tags(s, conv)


def test_follow_up_only_without_reply(svc: Services, ws: Seeded) -> None:
    _flow(svc, ws, follow_up_hours=24, follow_up_text="Did the guide help?")
    quiet = inbound(svc, ws, "GUIDE", sender="quiet")
    chatty = inbound(svc, ws, "GUIDE", sender="chatty")
    inbound(svc, ws, "thanks, got it", sender="chatty")
    clock(svc).advance(hours=25)
    report = run_due_followups(svc)
    assert report.follow_ups == 1
    assert outbound_texts(svc, quiet)[-1] == "Did the guide help?"
    assert "Did the guide help?" not in outbound_texts(svc, chatty)


def test_opted_out_contact_gets_nothing_from_flows(svc: Services, ws: Seeded) -> None:
    _flow(svc, ws, follow_up_hours=1, follow_up_text="Did the guide help?")
    conv = inbound(svc, ws, "GUIDE")
    inbound(svc, ws, "STOP")
    before = outbound_texts(svc, conv)
    inbound(svc, ws, "GUIDE")  # asking again after opting out: still nothing
    clock(svc).advance(hours=2)
    run_due_followups(svc)
    assert outbound_texts(svc, conv) == before
    with svc.db.session() as s:
        assert not has_consent(s, _contact_id(svc, conv), "guide")
        skipped = s.scalars(select(Event).where(Event.type == "flow.skipped")).all()
    assert len(skipped) == 1


def test_campaign_reaches_only_consenting_contacts(svc: Services, ws: Seeded) -> None:
    _flow(svc, ws)
    yes = inbound(svc, ws, "GUIDE", sender="yes")
    later_out = inbound(svc, ws, "GUIDE", sender="out")
    inbound(svc, ws, "STOP", sender="out")
    never = inbound(svc, ws, "hi", sender="never")
    admin = user(svc, ws.admin_id)

    def send(s: Any) -> Any:
        c = do_create_campaign(
            s, user=admin, name="Tips", purpose="guide", body="New tips are out!", at=svc.clock()
        )
        return do_send_campaign(s, campaign=c, user=admin, at=svc.clock())

    report = svc.db.write(send)
    assert report.sent == 1
    assert report.skipped == {"opted out": 1, "no consent": 1}
    assert outbound_texts(svc, yes)[-1] == "New tips are out!"
    assert "New tips are out!" not in outbound_texts(svc, later_out) + outbound_texts(svc, never)


def test_start_resubscribes(svc: Services, ws: Seeded) -> None:
    conv = inbound(svc, ws, "STOP")
    inbound(svc, ws, "START")
    with svc.db.session() as s:
        contact = s.get_one(Contact, _contact_id(svc, conv))
        assert not is_opted_out(s, contact.id)
    assert len(outbound_texts(svc, conv)) == 2
