"""The pipeline hook for new inbound messages: opt-out/opt-in words, CSAT answers, keyword
flows and FAQ auto-answer. Each step runs in its own savepoint: a failure is logged and
never blocks ingestion. One query first tells which steps have anything to act on (most
messages: none), so the others cost neither a savepoint nor a query."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from sqlalchemy import BigInteger, Select, bindparam, exists, select
from sqlalchemy.orm import Session

from dmdesk.actions.bot import do_send_bot_message
from dmdesk.actions.consent import ALL, do_grant_consent, do_revoke_consent, is_opted_out
from dmdesk.actions.conversations import do_add_tag
from dmdesk.actions.csat import do_record_csat, do_record_csat_comment, open_survey
from dmdesk.actions.governance import reply_settings
from dmdesk.db.events import record_event
from dmdesk.db.writer import run_in_savepoint
from dmdesk.domain.errors import PolicyRefused
from dmdesk.domain.optout import (
    OPT_IN_CONFIRM,
    confirmation,
    is_opt_in,
    normalise,
    opt_out_language,
    parse_csat,
)
from dmdesk.models import Contact, Conversation
from dmdesk.models.replies import CsatSurvey, DueJob, FlowSession, KeywordFlow, ReplySettings
from dmdesk.rules.faq import FaqResponder, wants_person
from dmdesk.rules.flows import (
    FOLLOW_UP,
    WAITING,
    cancel_follow_ups,
    find_flow,
    handle_reply,
    run_flow,
    stop_flows,
)

log = logging.getLogger(__name__)
CSAT_WINDOW = timedelta(days=3)


class Inbound(Protocol):
    text: str | None
    quick_reply_payload: str | None
    postback_payload: str | None


class Outcome(Protocol):
    conversation_id: int
    message_id: int | None


class Stored(Protocol):
    """What the pipeline hands to message hooks (ingest.pipeline.StoredMessage)."""

    @property
    def event(self) -> Any: ...
    @property
    def outcome(self) -> Any: ...
    @property
    def enrichment(self) -> dict[str, Any] | None: ...
    @property
    def at(self) -> datetime: ...


Step = Callable[[Session, Conversation, Any, datetime], bool]


@dataclass(frozen=True)
class Pending:
    """What the conversation and its workspace hold for the steps to act on, read in one
    query inside the write's transaction (so it is as current as the steps' own queries,
    with any number of instances): due flow follow-ups, an open CSAT survey, a waiting
    flow, an enabled flow whose keyword is the message, the workspace's FAQ switch
    (None: no reply-settings row yet)."""

    follow_ups: bool
    survey: bool
    waiting_flow: bool
    keyword_flow: bool
    faq_enabled: bool | None


@cache
def _pending_query() -> Select[Any]:
    conv_id = bindparam("conv_id", type_=BigInteger)
    workspace_id = bindparam("workspace_id", type_=BigInteger)
    return select(
        exists().where(
            DueJob.conversation_id == conv_id, DueJob.kind == FOLLOW_UP, DueJob.status == "due"
        ),
        exists().where(
            CsatSurvey.conversation_id == conv_id,
            CsatSurvey.status.in_(("requested", "rated")),
        ),
        exists().where(FlowSession.conversation_id == conv_id, FlowSession.status == WAITING),
        exists().where(
            KeywordFlow.workspace_id == workspace_id,
            KeywordFlow.keyword == bindparam("keyword"),
            KeywordFlow.enabled.is_(True),
        ),
        select(ReplySettings.faq_enabled)
        .where(ReplySettings.workspace_id == workspace_id)
        .scalar_subquery(),
    )


def pending(session: Session, conv: Conversation, ev: Any) -> Pending:
    """One SELECT of five sub-queries (autoflushed like the steps' own queries)."""
    word = normalise(ev.text or "")
    keyword = word if word and len(word) <= 64 else None  # find_flow's shape check
    row = session.execute(
        _pending_query(),
        {"conv_id": conv.id, "workspace_id": conv.workspace_id, "keyword": keyword},
    ).one()
    faq = row[4]
    return Pending(
        follow_ups=bool(row[0]),
        survey=bool(row[1]),
        waiting_flow=bool(row[2]),
        keyword_flow=bool(row[3]),
        faq_enabled=None if faq is None else bool(faq),
    )


class MessageHook:
    def __init__(self, faq: FaqResponder) -> None:
        self._faq = faq

    def __call__(self, session: Session, stored: Stored) -> None:
        conv = session.get(Conversation, stored.outcome.conversation_id)
        if conv is None:
            return
        enrichment = stored.enrichment

        def faq(s: Session, c: Conversation, ev: Any, at: datetime) -> bool:
            return self._faq_step(s, c, ev, at, enrichment)

        steps: list[Step] = [_opt_out, _opt_in, _csat, _flow, _flow_reply, faq]
        found = pending(session, conv, stored.event)
        if found.follow_ups:
            _guard(session, lambda s: cancel_follow_ups(s, conv.id))
        for step in steps:
            if not _may_apply(step, conv, stored.event, found):
                continue  # surely returns False: spare the savepoint and its queries
            if _guard(session, _bind(step, conv, stored.event, stored.at)):
                return

    def _faq_step(
        self,
        s: Session,
        conv: Conversation,
        ev: Any,
        at: datetime,
        enrichment: dict[str, Any] | None,
    ) -> bool:
        if conv.assignee_id is not None or conv.first_human_reply_at is not None:
            return False  # a person is already looking after this conversation
        settings = reply_settings(s, conv.workspace_id, at=at)
        if not settings.faq_enabled or is_opted_out(s, conv.contact_id):
            return False
        if wants_person(ev.text, ev.quick_reply_payload or ev.postback_payload):
            record_event(
                s,
                workspace_id=conv.workspace_id,
                type="faq.handoff",
                at=at,
                conversation_id=conv.id,
                actor_kind="contact",
                data={"reason": "asked for a person"},
            )
            return True
        if not (ev.text or "").strip():
            return False
        self._faq.respond(
            s,
            conv=conv,
            text=ev.text,
            enrichment=enrichment,
            at=at,
            threshold=settings.faq_threshold,
        )
        return True


def _may_apply(step: Step, conv: Conversation, ev: Any, found: Pending) -> bool:
    """False when a step surely returns False, known from the message, the loaded
    conversation and `found`: the opt-out/opt-in words, no open survey, no flow with the
    message as keyword, no waiting flow, FAQ switched off or a person already looking
    after the conversation. (FAQ with no settings row yet runs: its step creates the row.)"""
    if step is _opt_out:
        return opt_out_language(ev.text) is not None
    if step is _opt_in:
        return is_opt_in(ev.text)
    if step is _csat:
        return found.survey
    if step is _flow:
        return found.keyword_flow
    if step is _flow_reply:
        return found.waiting_flow
    if found.faq_enabled is False:  # the FAQ step
        return False
    return conv.assignee_id is None and conv.first_human_reply_at is None


def _bind(step: Step, conv: Conversation, ev: Any, at: datetime) -> Callable[[Session], bool]:
    def run(s: Session) -> bool:
        return step(s, conv, ev, at)

    return run


def _guard(session: Session, fn: Callable[[Session], Any]) -> Any:
    """Run one step in a savepoint; errors (policy refusals included) are logged only."""
    _f, result, error = run_in_savepoint(session, fn)
    if isinstance(error, PolicyRefused):
        log.info("automation step refused: %s", error.message)
    elif error is not None:
        log.warning("automation step failed", exc_info=error)
    return result


def _opt_out(s: Session, conv: Conversation, ev: Any, at: datetime) -> bool:
    language = opt_out_language(ev.text)
    if language is None:
        return False
    contact = s.get_one(Contact, conv.contact_id)
    do_revoke_consent(
        s,
        contact=contact,
        source="opt-out word",
        wording=ev.text or "",
        at=at,
        conversation_id=conv.id,
    )
    do_add_tag(s, conv=conv, tag="opted-out", at=at, actor_id=None)
    stop_flows(s, conv=conv, at=at, reason="opted out")
    _guard(
        s,
        lambda s2: do_send_bot_message(
            s2, conv=conv, text=confirmation(language), at=at, opt_out_confirmation=True
        ),
    )
    return True


def _opt_in(s: Session, conv: Conversation, ev: Any, at: datetime) -> bool:
    if not is_opt_in(ev.text) or not is_opted_out(s, conv.contact_id):
        return False
    contact = s.get_one(Contact, conv.contact_id)
    do_grant_consent(
        s,
        contact=contact,
        purpose=ALL,
        source="opt-in word",
        wording=ev.text or "",
        at=at,
        conversation_id=conv.id,
    )
    do_send_bot_message(s, conv=conv, text=OPT_IN_CONFIRM, at=at)
    return True


def _csat(s: Session, conv: Conversation, ev: Any, at: datetime) -> bool:
    survey = open_survey(s, conv.id)
    if survey is None:
        return False
    since = survey.answered_at or survey.requested_at
    if at - since > CSAT_WINDOW:
        return False  # an old survey: this message is a new topic, not an answer
    if survey.status == "requested":
        score = parse_csat(ev.text, ev.quick_reply_payload or ev.postback_payload)
        if score is None:
            return False
        do_record_csat(s, survey=survey, score=score, at=at, conv=conv)
        return True
    if not (ev.text or "").strip():
        return False
    do_record_csat_comment(s, survey=survey, comment=ev.text, at=at)
    return True


def _flow_reply(s: Session, conv: Conversation, ev: Any, at: datetime) -> bool:
    payload = ev.quick_reply_payload or ev.postback_payload
    return handle_reply(s, conv=conv, text=ev.text, payload=payload, at=at)


def _flow(s: Session, conv: Conversation, ev: Any, at: datetime) -> bool:
    flow = find_flow(s, conv.workspace_id, ev.text)
    if flow is None:
        return False
    run_flow(s, flow=flow, conv=conv, wording=ev.text or "", at=at)
    return True
