"""FAQ auto-answer around the threshold, hand-off on complaints, CSAT requests and parsing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dmdesk.actions.conversations import do_set_status
from dmdesk.actions.faq import do_create_faq_entry, do_import_faq_csv
from dmdesk.actions.governance import do_update_reply_settings
from dmdesk.domain.errors import Invalid
from dmdesk.domain.optout import parse_csat
from dmdesk.models import Conversation, Event
from dmdesk.models.replies import CsatSurvey
from dmdesk.rules.faq import FaqResponder
from dmdesk.services import Services
from tests.automation.kit import inbound, outbound_rows, user
from tests.conftest import Seeded

CSV = """question,answer,variants
What are your opening hours?,We are open 9-18 Monday to Friday.,when are you open|hours today
How long does shipping take?,Shipping takes 2-4 working days.,when will my parcel arrive
"""


def _setup(svc: Services, ws: Seeded, **settings: Any) -> None:
    admin = user(svc, ws.admin_id)

    def work(s: Any) -> None:
        do_import_faq_csv(s, user=admin, text=CSV, at=svc.clock())
        do_update_reply_settings(
            s, user=admin, at=svc.clock(), changes={"faq_enabled": True, **settings}
        )

    svc.db.write(work)


def _events(svc: Services, type_: str) -> list[dict[str, Any]]:
    with svc.db.session() as s:
        return [e.data for e in s.scalars(select(Event).where(Event.type == type_))]


def test_close_question_is_answered_by_the_bot(svc: Services, ws: Seeded) -> None:
    _setup(svc, ws)
    conv = inbound(svc, ws, "what are your opening hours")
    rows = outbound_rows(svc, conv)
    assert len(rows) == 1
    assert rows[0].author_kind == "bot"
    assert rows[0].text.startswith("We are open 9-18")
    assert rows[0].meta["quick_replies"] == [{"title": "Talk to a person", "payload": "HANDOFF"}]
    inbound(svc, ws, None, payload="HANDOFF")
    assert _events(svc, "faq.handoff")[-1]["reason"] == "asked for a person"


def test_unrelated_question_goes_to_a_human(svc: Services, ws: Seeded) -> None:
    _setup(svc, ws)
    conv = inbound(svc, ws, "Can I bring my dog to the launch party?")
    assert outbound_rows(svc, conv) == []
    assert _events(svc, "faq.handoff")[0]["reason"] == "not sure"


def test_the_bot_stays_out_of_a_conversation_a_person_owns(svc: Services, ws: Seeded) -> None:
    from dmdesk.actions.conversations import do_assign_conversation

    _setup(svc, ws)
    conv = inbound(svc, ws, "hello")
    svc.db.write(
        lambda s: do_assign_conversation(
            s,
            conv=s.get_one(Conversation, conv),
            assignee_id=ws.agent_id,
            at=svc.clock(),
            actor_id=ws.admin_id,
        )
    )
    inbound(svc, ws, "what are your opening hours")
    assert outbound_rows(svc, conv) == []


def test_threshold_is_configurable(svc: Services, ws: Seeded) -> None:
    _setup(svc, ws, faq_threshold=0.99)
    conv = inbound(svc, ws, "what are your opening hours")
    assert outbound_rows(svc, conv) == []


def test_complaint_or_negative_sentiment_is_handed_off(svc: Services, ws: Seeded) -> None:
    _setup(svc, ws)
    conv_id = inbound(svc, ws, "hello")
    responder = FaqResponder()
    for enrichment, reason in (
        ({"triage": {"category": "complaint"}}, "complaint"),
        ({"sentiment_label": "negative"}, "negative sentiment"),
    ):
        decision = svc.db.write(
            lambda s, e=enrichment: responder.respond(
                s,
                conv=s.get_one(Conversation, conv_id),
                text="how long does shipping take",
                enrichment=e,
                at=svc.clock(),
            )
        )
        assert (decision.answered, decision.reason) == (False, reason)
    answered = svc.db.write(
        lambda s: responder.respond(
            s,
            conv=s.get_one(Conversation, conv_id),
            text="how long does shipping take",
            enrichment={"triage": {"category": "support", "sentiment_label": "neutral"}},
            at=svc.clock(),
        )
    )
    assert answered.answered


def test_bad_csv_names_the_line(svc: Services, ws: Seeded) -> None:
    admin = user(svc, ws.admin_id)
    with pytest.raises(Invalid, match="line 3"):
        svc.db.write(
            lambda s: do_import_faq_csv(
                s, user=admin, text="question,answer\nq1,a1\nq2,\n", at=svc.clock()
            )
        )
    with pytest.raises(Invalid, match="columns"):
        svc.db.write(lambda s: do_import_faq_csv(s, user=admin, text="a,b\n", at=svc.clock()))
    with pytest.raises(Invalid, match="question and an answer"):
        svc.db.write(
            lambda s: do_create_faq_entry(s, user=admin, question=" ", answer="x", at=svc.clock())
        )


@pytest.mark.parametrize(
    ("text", "payload", "score"),
    [
        ("5", None, 5),
        ("4/5", None, 4),
        ("3 stars", None, 3),
        ("⭐⭐", None, 2),
        ("five", None, 5),
        (None, "CSAT_1", 1),
        ("10", None, None),
        ("I'd say 5 but the wait was long", None, None),
        ("", None, None),
    ],
)
def test_csat_parse(text: str | None, payload: str | None, score: int | None) -> None:
    assert parse_csat(text, payload) == score


def test_csat_after_resolution(svc: Services, ws: Seeded) -> None:
    admin = user(svc, ws.admin_id)
    svc.db.write(
        lambda s: do_update_reply_settings(
            s, user=admin, changes={"csat_enabled": True}, at=svc.clock()
        )
    )
    conv = inbound(svc, ws, "thanks for the help")
    svc.db.write(
        lambda s: do_set_status(
            s,
            conv=s.get_one(Conversation, conv),
            status="resolved",
            at=svc.clock(),
            actor_id=admin.id,
        )
    )
    ask = outbound_rows(svc, conv)[-1]
    assert ask.author_kind == "bot"
    assert [q["payload"] for q in ask.meta["quick_replies"]] == [f"CSAT_{n}" for n in range(1, 6)]
    inbound(svc, ws, "4")
    inbound(svc, ws, "Quick and kind, thank you")
    assert _events(svc, "csat.recorded")[0]["score"] == 4
    with svc.db.session() as s:
        survey = s.scalars(select(CsatSurvey)).one()
    assert (survey.score, survey.comment, survey.status) == (
        4,
        "Quick and kind, thank you",
        "commented",
    )


def test_an_old_survey_does_not_swallow_new_messages(svc: Services, ws: Seeded) -> None:
    from tests.automation.kit import clock

    admin = user(svc, ws.admin_id)
    svc.db.write(
        lambda s: do_update_reply_settings(
            s, user=admin, changes={"csat_enabled": True}, at=svc.clock()
        )
    )
    conv = inbound(svc, ws, "thanks")
    svc.db.write(
        lambda s: do_set_status(
            s,
            conv=s.get_one(Conversation, conv),
            status="resolved",
            at=svc.clock(),
            actor_id=admin.id,
        )
    )
    clock(svc).advance(days=4)
    inbound(svc, ws, "5")
    assert _events(svc, "csat.recorded") == []
