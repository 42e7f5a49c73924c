"""Waking snoozed conversations when their time comes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import _event
from dmdesk.models import Conversation


def do_wake_snoozed(session: Session, *, at: datetime, limit: int = 500) -> int:
    """Reopen conversations whose snooze ended; returns how many woke."""
    due = session.scalars(
        select(Conversation)
        .where(Conversation.status == "snoozed", Conversation.snoozed_until <= at)
        .order_by(Conversation.snoozed_until)
        .limit(limit)
    ).all()
    for conv in due:
        until = conv.snoozed_until
        conv.status = "open"
        conv.snoozed_until = None
        conv.version += 1
        conv.updated_at = at
        _event(
            session,
            conv,
            "conversation.reopened",
            at=at,
            actor_id=None,
            data={
                "from": "snoozed",
                "to": "open",
                "by": "snooze",
                "until": until.isoformat() if until else None,
            },
        )
    return len(due)
