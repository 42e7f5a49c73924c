"""CSAT: a 1-5 rating request through the DM after resolution, the score and a comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.bot import do_send_bot_message
from dmdesk.db.events import record_event
from dmdesk.models import Conversation
from dmdesk.models.replies import CsatSurvey

ASK = "How did we do? Reply with a number from 1 (poor) to 5 (great)."
THANKS = "Thank you! Anything you would like to add? Just reply here."
QUICK = [(str(n), f"CSAT_{n}") for n in range(1, 6)]


def open_survey(session: Session, conversation_id: int) -> CsatSurvey | None:
    """The latest survey still waiting for a score or a comment."""
    return session.scalars(
        select(CsatSurvey)
        .where(
            CsatSurvey.conversation_id == conversation_id,
            CsatSurvey.status.in_(("requested", "rated")),
        )
        .order_by(CsatSurvey.id.desc())
    ).first()


def do_request_csat(session: Session, *, conv: Conversation, at: datetime) -> CsatSurvey:
    do_send_bot_message(session, conv=conv, text=ASK, at=at, quick_replies=QUICK)
    survey = CsatSurvey(
        workspace_id=conv.workspace_id,
        conversation_id=conv.id,
        status="requested",
        requested_at=at,
    )
    session.add(survey)
    session.flush()
    record_event(
        session,
        workspace_id=conv.workspace_id,
        type="csat.requested",
        at=at,
        conversation_id=conv.id,
        data={"survey_id": survey.id},
    )
    return survey


def do_record_csat(
    session: Session, *, survey: CsatSurvey, score: int, at: datetime, conv: Conversation
) -> CsatSurvey:
    survey.score = score
    survey.status = "rated"
    survey.answered_at = at
    record_event(
        session,
        workspace_id=survey.workspace_id,
        type="csat.recorded",
        at=at,
        conversation_id=survey.conversation_id,
        actor_kind="contact",
        data={"score": score, "survey_id": survey.id},
    )
    do_send_bot_message(session, conv=conv, text=THANKS, at=at)
    return survey


def do_record_csat_comment(
    session: Session, *, survey: CsatSurvey, comment: str, at: datetime
) -> CsatSurvey:
    survey.comment = comment.strip()[:5000]
    survey.status = "commented"
    record_event(
        session,
        workspace_id=survey.workspace_id,
        type="csat.commented",
        at=at,
        conversation_id=survey.conversation_id,
        actor_kind="contact",
        data={"survey_id": survey.id},
    )
    return survey
