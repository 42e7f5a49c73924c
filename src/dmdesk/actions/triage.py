"""Applying a triage verdict to a conversation, without overriding what people decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dmdesk.actions.conversations import HUMAN_KEY, _event, refresh_queue_position
from dmdesk.domain.enums import Priority
from dmdesk.models import Conversation


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
    human = set(conv.triage.get(HUMAN_KEY, []))
    conv.triage = {**verdict, HUMAN_KEY: sorted(human)} if human else verdict
    if verdict.get("language") and verdict["language"] != "und":
        conv.language = verdict["language"]
    category = verdict.get("category")
    if category and "category" not in human:
        conv.category = category
        conv.category_confidence = float(verdict.get("category_confidence") or 0.0)
    proposed = Priority(verdict.get("priority") or "normal")
    if "priority" not in human and proposed.sort_rank < Priority(conv.priority).sort_rank:
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
