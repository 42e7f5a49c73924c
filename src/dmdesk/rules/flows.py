"""Keyword opt-in flows ("DM us GUIDE"): resource -> consent -> tag -> optional follow-up."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dmdesk.actions.automation import do_schedule_job
from dmdesk.actions.bot import do_send_bot_message
from dmdesk.actions.consent import do_grant_consent, is_opted_out
from dmdesk.actions.conversations import do_add_tag
from dmdesk.db.events import record_event
from dmdesk.domain.optout import normalise
from dmdesk.models import Contact, Conversation
from dmdesk.models.replies import DueJob, KeywordFlow

FOLLOW_UP = "flow_followup"


def find_flow(session: Session, workspace_id: int, text: str | None) -> KeywordFlow | None:
    """The enabled flow whose keyword is the whole message (case and accents ignored)."""
    word = normalise(text or "")
    if not word or len(word) > 64:
        return None
    return session.scalars(
        select(KeywordFlow).where(
            KeywordFlow.workspace_id == workspace_id,
            KeywordFlow.keyword == word,
            KeywordFlow.enabled.is_(True),
        )
    ).first()


def run_flow(
    session: Session, *, flow: KeywordFlow, conv: Conversation, wording: str, at: datetime
) -> list[str]:
    """Never messages an opted-out contact: they get nothing, the attempt is logged."""
    contact = session.get_one(Contact, conv.contact_id)
    if is_opted_out(session, contact.id):
        _flow_event(session, conv, "flow.skipped", at, {"flow_id": flow.id, "reason": "opted out"})
        return ["skipped: opted out"]
    do_grant_consent(
        session,
        contact=contact,
        purpose=flow.purpose,
        source=f"keyword:{flow.keyword}",
        wording=wording,
        at=at,
        conversation_id=conv.id,
    )
    quick = [(title, f"FLOW_{flow.id}_{i}") for i, title in enumerate(flow.quick_replies or [])]
    do_send_bot_message(
        session,
        conv=conv,
        text=flow.reply_text,
        at=at,
        quick_replies=quick,
        purpose=flow.purpose,
    )
    did = ["consent recorded", "resource sent"]
    if flow.tag:
        do_add_tag(session, conv=conv, tag=flow.tag, at=at, actor_id=None)
        did.append(f"tagged {flow.tag}")
    if flow.follow_up_hours and flow.follow_up_text:
        do_schedule_job(
            session,
            workspace_id=conv.workspace_id,
            kind=FOLLOW_UP,
            conversation_id=conv.id,
            run_at=at + timedelta(hours=flow.follow_up_hours),
            at=at,
            payload={"flow_id": flow.id},
        )
        did.append(f"follow-up in {flow.follow_up_hours:g} h")
    _flow_event(session, conv, "flow.completed", at, {"flow_id": flow.id, "did": did})
    return did


def _flow_event(
    session: Session, conv: Conversation, type_: str, at: datetime, data: dict[str, object]
) -> None:
    record_event(
        session,
        workspace_id=conv.workspace_id,
        type=type_,
        at=at,
        conversation_id=conv.id,
        actor_kind="bot",
        data=data,
    )


def cancel_follow_ups(session: Session, conversation_id: int) -> None:
    """The person replied: pending follow-ups for this conversation are no longer due."""
    session.execute(
        update(DueJob)
        .where(
            DueJob.conversation_id == conversation_id,
            DueJob.kind == FOLLOW_UP,
            DueJob.status == "due",
        )
        .values(status="cancelled")
    )


def send_follow_up(session: Session, *, job: DueJob, at: datetime) -> str:
    flow = session.get(KeywordFlow, int(job.payload.get("flow_id", 0)))
    conv = session.get(Conversation, job.conversation_id)
    if flow is None or conv is None or not flow.follow_up_text:
        return "cancelled"
    if is_opted_out(session, conv.contact_id):
        return "skipped"
    do_send_bot_message(session, conv=conv, text=flow.follow_up_text, at=at, purpose=flow.purpose)
    return "done"
