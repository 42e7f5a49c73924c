"""Applying a triage verdict to a conversation, without overriding what people decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import _event, refresh_queue_position
from dmdesk.domain.enums import Priority
from dmdesk.models import Conversation, Event

HUMAN_CATEGORY = "conversation.category_corrected"
HUMAN_PRIORITY = "conversation.priority_changed"


def _decided_by_people(session: Session, conv_id: int) -> set[str]:
    rows = session.scalars(
        select(Event.type).where(
            Event.conversation_id == conv_id,
            Event.type.in_((HUMAN_CATEGORY, HUMAN_PRIORITY)),
            Event.actor_kind == "user",
        )
    )
    return set(rows)


def do_apply_triage(
    session: Session,
    *,
    conv: Conversation,
    verdict: dict[str, Any],
    message_id: int | None,
    at: datetime,
) -> None:
    """Store the verdict; set category, language and priority unless a person set them.

    Priority only rises automatically (a calm follow-up does not demote an urgent thread).
    """
    human = _decided_by_people(session, conv.id)
    conv.triage = verdict
    if verdict.get("language") and verdict["language"] != "und":
        conv.language = verdict["language"]
    category = verdict.get("category")
    if category and HUMAN_CATEGORY not in human:
        conv.category = category
        conv.category_confidence = float(verdict.get("category_confidence") or 0.0)
    proposed = Priority(verdict.get("priority") or "normal")
    if HUMAN_PRIORITY not in human and proposed.sort_rank < Priority(conv.priority).sort_rank:
        conv.priority = proposed.value
        refresh_queue_position(conv)
    spam = verdict.get("spam") or {}
    _event(
        session,
        conv,
        "triage.applied",
        at=at,
        actor_id=None,
        actor_kind="bot",
        data={
            "message_id": message_id,
            "category": conv.category,
            "confidence": verdict.get("category_confidence"),
            "reasons": list(verdict.get("category_reasons") or [])[:5],
            "priority": conv.priority,
            "language": conv.language,
            "spam": bool(spam.get("is_spam")),
            "phishing": bool(spam.get("is_phishing")),
            "spam_reasons": list(spam.get("reasons") or [])[:5],
            "pii_kinds": sorted({p.get("kind") for p in verdict.get("pii") or []}),
            "model_version": verdict.get("model_version"),
        },
    )
