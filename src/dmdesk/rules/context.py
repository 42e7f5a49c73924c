"""The flat attribute map a rule's conditions read: conversation, contact, message, event."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import conversation_tags
from dmdesk.models import Contact, Conversation, Message, Workspace

log = logging.getLogger(__name__)


def build_context(
    session: Session,
    *,
    conv: Conversation,
    at: datetime,
    message_id: int | None = None,
    event_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    contact = session.get_one(Contact, conv.contact_id)
    msg = _message(session, conv, message_id)
    ctx: dict[str, Any] = {
        "conversation.status": conv.status,
        "conversation.priority": conv.priority,
        "conversation.category": conv.category,
        "conversation.channel_id": conv.channel_id,
        "conversation.team_id": conv.team_id,
        "conversation.assignee_id": conv.assignee_id,
        "conversation.tags": conversation_tags(session, conv.id),
        "conversation.language": conv.language,
        "contact.name": contact.name,
        "contact.language": contact.language,
        "contact.handle": contact.handle,
        "message.text": msg.text if msg else None,
        "message.direction": msg.direction if msg else None,
        "event.tag": (event_data or {}).get("tag"),
        "event.to": (event_data or {}).get("to"),
        "business_hours": _open(session, conv.workspace_id, at),
    }
    for key, value in (contact.attributes or {}).items():
        ctx[f"contact.attributes.{key}"] = value
    return ctx


def _message(session: Session, conv: Conversation, message_id: int | None) -> Message | None:
    if message_id is not None:
        return session.get(Message, message_id)
    return session.scalars(
        select(Message)
        .where(Message.conversation_id == conv.id, Message.direction == "inbound")
        .order_by(Message.id.desc())
    ).first()


def _open(session: Session, workspace_id: int, at: datetime) -> bool | None:
    """Open now per the workspace schedule; None when no schedule is set."""
    raw = (session.get_one(Workspace, workspace_id).settings or {}).get("business_hours")
    if not raw:
        return None
    try:
        from dmdesk.domain.business_hours import Schedule

        return Schedule.model_validate(raw).is_open(at)
    except Exception:  # an invalid schedule reads as unknown, never as an error
        log.warning("invalid business_hours setting", extra={"workspace_id": workspace_id})
        return None
