"""Keyword flows ("DM us GUIDE"): create, edit, enable/disable and delete their definitions.

`steps` arrive already validated (rules.flow_steps.FlowSteps, at the API/CLI edge); an
empty list keeps the single-step form (reply_text, quick_replies, follow-up)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.access import require_role
from dmdesk.db.events import record_event
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import Conflict, Invalid, NotFound
from dmdesk.domain.optout import normalise
from dmdesk.models import User
from dmdesk.models.replies import KeywordFlow

EDITABLE = (
    "purpose",
    "reply_text",
    "consent_wording",
    "tag",
    "quick_replies",
    "follow_up_hours",
    "follow_up_text",
    "steps",
    "enabled",
)


def _audit(session: Session, user: User, type_: str, at: datetime, data: dict[str, Any]) -> None:
    record_event(
        session,
        workspace_id=user.workspace_id,
        type=type_,
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data=data,
    )


def _keyword(session: Session, user: User, keyword: str, *, own_id: int | None = None) -> str:
    word = normalise(keyword)
    if not word:
        raise Invalid("a flow needs a keyword", field="keyword")
    taken = session.scalar(
        select(KeywordFlow.id).where(
            KeywordFlow.workspace_id == user.workspace_id, KeywordFlow.keyword == word
        )
    )
    if taken is not None and taken != own_id:
        raise Conflict(f"the keyword {word} already starts a flow", field="keyword")
    return word


def do_create_keyword_flow(
    session: Session,
    *,
    user: User,
    keyword: str,
    purpose: str,
    reply_text: str,
    at: datetime,
    **options: Any,
) -> KeywordFlow:
    """Options: consent_wording, tag, quick_replies, follow_up_hours, follow_up_text, steps."""
    require_role(user, Role.SUPERVISOR)
    word = _keyword(session, user, keyword)
    steps = list(options.get("steps") or [])
    reply_text = reply_text.strip() or (str(steps[0].get("text") or "") if steps else "")
    if not purpose.strip() or not reply_text:
        raise Invalid("a flow needs a keyword, a purpose and a reply", field="reply_text")
    flow = KeywordFlow(
        workspace_id=user.workspace_id,
        keyword=word,
        purpose=purpose.strip(),
        reply_text=reply_text,
        consent_wording=options.get("consent_wording") or "",
        tag=options.get("tag"),
        quick_replies=list(options.get("quick_replies") or []),
        follow_up_hours=options.get("follow_up_hours"),
        follow_up_text=options.get("follow_up_text"),
        steps=steps,
        enabled=True,
        created_at=at,
    )
    session.add(flow)
    session.flush()
    _audit(session, user, "automation.flow_created", at, {"flow_id": flow.id, "keyword": word})
    return flow


def access_flow(session: Session, user: User, flow_id: int) -> KeywordFlow:
    flow = session.get(KeywordFlow, flow_id)
    if flow is None or flow.workspace_id != user.workspace_id:
        raise NotFound("flow not found")
    return flow


def do_update_keyword_flow(
    session: Session, *, user: User, flow: KeywordFlow, changes: dict[str, Any], at: datetime
) -> KeywordFlow:
    require_role(user, Role.SUPERVISOR)
    if "keyword" in changes:
        flow.keyword = _keyword(session, user, str(changes["keyword"]), own_id=flow.id)
    for key in EDITABLE:
        if key in changes:
            setattr(flow, key, changes[key])
    if flow.steps and not flow.reply_text.strip():
        flow.reply_text = str(flow.steps[0].get("text") or "")
    if not flow.purpose.strip() or not flow.reply_text.strip():
        raise Invalid("a flow needs a purpose and a reply", field="reply_text")
    _audit(session, user, "automation.flow_updated", at, {"flow_id": flow.id})
    return flow


def do_delete_keyword_flow(
    session: Session, *, user: User, flow: KeywordFlow, at: datetime
) -> None:
    require_role(user, Role.SUPERVISOR)
    session.delete(flow)
    _audit(session, user, "automation.flow_deleted", at, {"flow_id": flow.id})


def flows_of(session: Session, workspace_id: int) -> list[KeywordFlow]:
    return list(
        session.scalars(
            select(KeywordFlow)
            .where(KeywordFlow.workspace_id == workspace_id)
            .order_by(KeywordFlow.keyword)
        )
    )
