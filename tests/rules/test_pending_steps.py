"""The automation hook reads, per message and inside the write, what its steps could act on:
a flow, FAQ switch, survey or follow-up that appears after a message (here: made by a
second desk on the same database) is acted on at the next message, and what one message
starts is seen by the next one in the same pipeline slice."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from dmdesk.actions.conversations import do_set_status
from dmdesk.actions.faq import do_import_faq_csv
from dmdesk.actions.governance import do_update_reply_settings
from dmdesk.actions.inbound_queue import do_enqueue_delivery
from dmdesk.actions.keyword_flows import do_create_keyword_flow
from dmdesk.domain.inbound import ContactRef, InboundMessage
from dmdesk.models import Conversation, Event
from dmdesk.models.replies import CsatSurvey, DueJob, FlowSession, ReplySettings
from dmdesk.rules.hooks import Pending, pending
from dmdesk.services import Services
from tests.automation.kit import START, frozen_desk, inbound, outbound_texts, user
from tests.conftest import Seeded

_ids = itertools.count(1)


@pytest.fixture
def other(db_url: str) -> Iterator[Services]:
    """A second desk on the same database (as a second instance would be)."""
    services = frozen_desk(db_url)
    yield services
    services.stop()


def _create_flow(desk: Services, ws: Seeded, **extra: Any) -> None:
    admin = user(desk, ws.admin_id)
    desk.db.write(
        lambda s: do_create_keyword_flow(
            s,
            user=admin,
            keyword="GUIDE",
            purpose="guide",
            at=desk.clock(),
            reply_text="Here is your guide",
            **extra,
        )
    )


def _message(text: str | None, sender: str, payload: str | None = None) -> InboundMessage:
    return InboundMessage(
        account_id="acme-web",
        occurred_at=START,
        contact=ContactRef(external_id=sender, name="Maria"),
        message_id=f"p{next(_ids)}",
        text=text,
        quick_reply_payload=payload,
    )


def _one_slice(svc: Services, ws: Seeded, events: list[InboundMessage]) -> None:
    """Queue several messages in one delivery and process them in one pipeline write."""
    svc.db.write(
        lambda s: do_enqueue_delivery(
            s,
            platform="generic",
            body=b"{}",
            at=svc.clock(),
            items=[(ws.channel_id, e) for e in events],
            delivery_channel_id=ws.channel_id,
        )
    )
    assert svc.pipeline.run_once() == len(events)


def _facts(svc: Services, conv_id: int, text: str) -> Pending:
    def read(s: Any) -> Pending:
        return pending(s, s.get_one(Conversation, conv_id), _message(text, "x"))

    return svc.db.write(read)  # type: ignore[no-any-return]  # write returns read's value


def test_a_flow_created_elsewhere_after_a_message_fires_on_the_next(
    svc: Services, other: Services, ws: Seeded
) -> None:
    conv = inbound(svc, ws, "GUIDE")
    assert outbound_texts(svc, conv) == []
    _create_flow(other, ws)
    inbound(svc, ws, "GUIDE")
    assert outbound_texts(svc, conv) == ["Here is your guide"]


def test_faq_switched_on_elsewhere_after_a_message_answers_the_next(
    svc: Services, other: Services, ws: Seeded
) -> None:
    conv = inbound(svc, ws, "what are your opening hours")
    with svc.db.session() as s:
        assert s.get_one(ReplySettings, ws.workspace_id).faq_enabled is False  # row made
    admin = user(other, ws.admin_id)

    def switch_on(s: Any) -> None:
        csv = "question,answer\nWhat are your opening hours?,We are open 9-18.\n"
        do_import_faq_csv(s, user=admin, text=csv, at=other.clock())
        do_update_reply_settings(s, user=admin, at=other.clock(), changes={"faq_enabled": True})

    other.db.write(switch_on)
    inbound(svc, ws, "what are your opening hours")
    answers = outbound_texts(svc, conv)
    assert len(answers) == 1
    assert answers[0].startswith("We are open 9-18.")


def test_a_survey_requested_elsewhere_is_answered_by_the_next_message(
    svc: Services, other: Services, ws: Seeded
) -> None:
    admin = user(other, ws.admin_id)
    other.db.write(
        lambda s: do_update_reply_settings(
            s, user=admin, changes={"csat_enabled": True}, at=other.clock()
        )
    )
    conv = inbound(svc, ws, "thanks")
    other.db.write(
        lambda s: do_set_status(
            s,
            conv=s.get_one(Conversation, conv),
            status="resolved",
            at=other.clock(),
            actor_id=admin.id,
        )
    )
    inbound(svc, ws, "5")
    with svc.db.session() as s:
        survey = s.scalars(select(CsatSurvey)).one()
    assert (survey.status, survey.score) == ("rated", 5)


def test_a_reply_in_the_same_slice_cancels_the_follow_up_the_flow_scheduled(
    svc: Services, ws: Seeded
) -> None:
    _create_flow(svc, ws, follow_up_hours=24, follow_up_text="Did it help?")
    _one_slice(svc, ws, [_message("GUIDE", "u9"), _message("thanks, got it", "u9")])
    with svc.db.session() as s:
        statuses = [j.status for j in s.scalars(select(DueJob))]
    assert statuses == ["cancelled"]


def test_a_choice_in_the_same_slice_reaches_the_waiting_flow(svc: Services, ws: Seeded) -> None:
    _create_flow(svc, ws, quick_replies=["More tips"])
    first = _message("GUIDE", "u8")
    _one_slice(svc, ws, [first, _message("More tips", "u8")])
    with svc.db.session() as s:
        choices = s.scalars(select(Event).where(Event.type == "flow.choice")).all()
        states = [f.status for f in s.scalars(select(FlowSession))]
    assert [c.data["choice"] for c in choices] == ["More tips"]
    assert states == ["done"]


def test_pending_reads_each_fact(svc: Services, ws: Seeded) -> None:
    conv = inbound(svc, ws, "hello")
    assert _facts(svc, conv, "GUIDE") == Pending(False, False, False, False, False)
    _create_flow(
        svc, ws, quick_replies=["More tips"], follow_up_hours=1, follow_up_text="Still there?"
    )
    assert _facts(svc, conv, "guide!").keyword_flow
    assert not _facts(svc, conv, "a guide please").keyword_flow
    inbound(svc, ws, "GUIDE")
    started = _facts(svc, conv, "ok")
    assert (started.follow_ups, started.waiting_flow, started.survey) == (True, True, False)
