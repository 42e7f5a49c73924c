"""Keyword opt-in flows ("DM us GUIDE"): a keyword starts a flow of steps; each step sends
text with quick replies, waits for the person's choice (or free text) and branches; consent
is recorded at the consent step; follow-ups go out after N hours without a reply. A flow
never messages a contact who opted out, and an opt-out stops it at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dmdesk.actions.automation import do_schedule_job
from dmdesk.actions.bot import do_send_bot_message
from dmdesk.actions.consent import do_grant_consent, has_consent, is_opted_out
from dmdesk.actions.conversations import do_add_tag
from dmdesk.db.events import record_event
from dmdesk.domain.optout import normalise
from dmdesk.models import Contact, Conversation
from dmdesk.models.replies import DueJob, FlowSession, KeywordFlow
from dmdesk.rules.flow_steps import FlowStep, FlowSteps, choose, payload_for, single_step

FOLLOW_UP = "flow_followup"
WAITING, DONE, STOPPED = "waiting", "done", "stopped"


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


def steps_of(flow: KeywordFlow) -> FlowSteps:
    if flow.steps:
        return FlowSteps.model_validate({"steps": flow.steps})
    return single_step(
        reply_text=flow.reply_text,
        quick_replies=list(flow.quick_replies or []),
        tag=flow.tag,
        follow_up_hours=flow.follow_up_hours,
        follow_up_text=flow.follow_up_text,
    )


def run_flow(
    session: Session, *, flow: KeywordFlow, conv: Conversation, wording: str, at: datetime
) -> list[str]:
    """Start `flow` at its first step. An opted-out contact gets nothing; it is logged."""
    if is_opted_out(session, conv.contact_id):
        _flow_event(session, conv, "flow.skipped", at, {"flow_id": flow.id, "reason": "opted out"})
        return ["skipped: opted out"]
    stop_flows(session, conv=conv, at=at, reason="restarted")
    steps = steps_of(flow)
    first = steps.first()
    state = FlowSession(
        workspace_id=conv.workspace_id,
        flow_id=flow.id,
        conversation_id=conv.id,
        step=first.id,
        status=WAITING,
        started_at=at,
        updated_at=at,
    )
    session.add(state)
    session.flush()
    source = f"keyword:{flow.keyword}"
    return _enter(
        session, flow=flow, state=state, step=first, conv=conv, at=at, wording=(source, wording)
    )


def _enter(
    session: Session,
    *,
    flow: KeywordFlow,
    state: FlowSession,
    step: FlowStep,
    conv: Conversation,
    at: datetime,
    wording: tuple[str, str],
) -> list[str]:
    """Send one step: consent (if this is the consent step), the text with its quick
    replies, the tag, the follow-up; the flow then waits or is complete."""
    did: list[str] = []
    if step.consent:
        _consent(session, flow=flow, conv=conv, at=at, source=wording[0], wording=wording[1])
        did.append("consent recorded")
    quick = [(o.title, payload_for(flow.id, step.id, i)) for i, o in enumerate(step.options)]
    do_send_bot_message(session, conv=conv, text=step.text, at=at, quick_replies=quick)
    did.append(f"step {step.id} sent")
    if step.tag:
        do_add_tag(session, conv=conv, tag=step.tag, at=at, actor_id=None)
        did.append(f"tagged {step.tag}")
    if step.follow_up_hours and step.follow_up_text:
        do_schedule_job(
            session,
            workspace_id=conv.workspace_id,
            kind=FOLLOW_UP,
            conversation_id=conv.id,
            run_at=at + timedelta(hours=step.follow_up_hours),
            at=at,
            payload={"flow_id": flow.id, "session_id": state.id, "step": step.id},
        )
        did.append(f"follow-up in {step.follow_up_hours:g} h")
    state.step, state.updated_at = step.id, at
    if not step.waits():
        state.status = DONE
        _flow_event(session, conv, "flow.completed", at, {"flow_id": flow.id, "did": did})
    return did


def _consent(
    session: Session,
    *,
    flow: KeywordFlow,
    conv: Conversation,
    at: datetime,
    source: str,
    wording: str,
) -> None:
    do_grant_consent(
        session,
        contact=session.get_one(Contact, conv.contact_id),
        purpose=flow.purpose,
        source=source[:64],
        wording=wording,
        at=at,
        conversation_id=conv.id,
    )


def active_session(session: Session, conversation_id: int) -> FlowSession | None:
    return session.scalars(
        select(FlowSession)
        .where(FlowSession.conversation_id == conversation_id, FlowSession.status == WAITING)
        .order_by(FlowSession.id.desc())
    ).first()


def handle_reply(
    session: Session,
    *,
    conv: Conversation,
    text: str | None,
    payload: str | None,
    at: datetime,
) -> bool:
    """The person answered a waiting step: branch on their choice. False when no flow is
    waiting, or the free text is not for the flow (it goes to FAQ or a person)."""
    state = active_session(session, conv.id)
    if state is None:
        return False
    flow = session.get(KeywordFlow, state.flow_id)
    step = steps_of(flow).get(state.step) if flow is not None else None
    if flow is None or step is None or is_opted_out(session, conv.contact_id):
        state.status, state.updated_at = STOPPED, at
        return False
    option = choose(step, flow_id=flow.id, text=text, payload=payload)
    target = option.next if option is not None else step.on_text
    if option is None and target is None:
        state.status, state.updated_at = DONE, at
        return False
    source = f"flow:{flow.keyword}:{step.id}"
    if option is not None:
        _flow_event(
            session,
            conv,
            "flow.choice",
            at,
            {"flow_id": flow.id, "step": step.id, "choice": option.title},
        )
        if option.consent:
            _consent(
                session,
                flow=flow,
                conv=conv,
                at=at,
                source=source,
                wording=f"{step.text} -> {option.title}",
            )
        if option.tag:
            do_add_tag(session, conv=conv, tag=option.tag, at=at, actor_id=None)
    nxt = steps_of(flow).get(target) if target else None
    if nxt is None:
        state.status, state.updated_at = DONE, at
        _flow_event(session, conv, "flow.completed", at, {"flow_id": flow.id, "step": step.id})
        return True
    _enter(
        session, flow=flow, state=state, step=nxt, conv=conv, at=at, wording=(source, text or "")
    )
    return True


def stop_flows(session: Session, *, conv: Conversation, at: datetime, reason: str) -> int:
    """End every waiting flow of the conversation (opt-out, a restart) and its follow-ups."""
    stopped = 0
    for state in session.scalars(
        select(FlowSession).where(
            FlowSession.conversation_id == conv.id, FlowSession.status == WAITING
        )
    ):
        state.status, state.updated_at = STOPPED, at
        stopped += 1
        _flow_event(session, conv, "flow.stopped", at, {"flow_id": state.flow_id, "reason": reason})
    cancel_follow_ups(session, conv.id)
    return stopped


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
    """A step's follow-up: only while the flow still waits at that step, never after an
    opt-out, and only with consent when the flow records consent."""
    flow = session.get(KeywordFlow, int(job.payload.get("flow_id", 0)))
    conv = session.get(Conversation, job.conversation_id)
    if flow is None or conv is None:
        return "cancelled"
    if is_opted_out(session, conv.contact_id):
        return "skipped"
    state = session.get(FlowSession, int(job.payload.get("session_id", 0)))
    step = steps_of(flow).get(str(job.payload.get("step") or "start"))
    if step is None or not step.follow_up_text:
        return "cancelled"
    if state is not None and (state.status == STOPPED or state.step != step.id):
        return "cancelled"  # opted out, restarted, or the person moved on
    asks_consent = any(s.consent or any(o.consent for o in s.options) for s in steps_of(flow).steps)
    if asks_consent and not has_consent(session, conv.contact_id, flow.purpose):
        return "skipped"
    do_send_bot_message(session, conv=conv, text=step.follow_up_text, at=at)
    return "done"
