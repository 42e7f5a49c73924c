"""Agents' triage corrections as labelled examples: the label a person gave a conversation
(category correction, spam / not spam) with the text of its first inbound messages.

Text is read from the messages at export time, so an erased contact (whose conversations
and messages are deleted) or an expired message (text removed by retention) never appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.actions.triage import CORRECTION_EVENTS
from dmdesk.domain.enums import Category, Direction
from dmdesk.models import Conversation, Event, Message

LABELS = frozenset(c.value for c in Category)
FIRST_MESSAGES = 3
MAX_CHARS = 2000


@dataclass(frozen=True)
class Correction:
    """One labelled example: the last label a person gave the conversation."""

    conversation_id: int
    label: str
    previous: str | None
    text: str
    kind: str
    corrected_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The line `dmdesk triage train --data` reads (`text`, `label`), plus provenance."""
        return {
            "text": self.text,
            "label": self.label,
            "previous": self.previous,
            "conversation_id": self.conversation_id,
            "kind": self.kind,
            "corrected_at": self.corrected_at.isoformat(),
        }


@dataclass(frozen=True)
class _Label:
    label: str
    previous: str | None
    kind: str
    at: datetime


def _latest_labels(session: Session, workspace_id: int) -> dict[int, _Label]:
    """The latest person-made label per conversation that still exists."""
    rows = session.execute(
        select(Event.conversation_id, Event.type, Event.data, Event.occurred_at)
        .join(Conversation, Conversation.id == Event.conversation_id)
        .where(
            Event.workspace_id == workspace_id,
            Conversation.workspace_id == workspace_id,
            Event.type.in_(CORRECTION_EVENTS),
            Event.actor_kind == "user",
        )
        .order_by(Event.id)
    )
    latest: dict[int, _Label] = {}
    for conv_id, kind, data, at in rows:
        label = (data or {}).get("to")
        if conv_id is not None and label in LABELS:
            latest[int(conv_id)] = _Label(str(label), (data or {}).get("from"), str(kind), at)
    return latest


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _first_texts(
    session: Session, conversation_ids: list[int], *, first: int, max_chars: int
) -> dict[int, str]:
    """The first `first` inbound messages with text of each conversation, joined by newlines."""
    texts: dict[int, list[str]] = {}
    for chunk in _chunks(conversation_ids):
        rank = (
            func.row_number()
            .over(partition_by=Message.conversation_id, order_by=(Message.sent_at, Message.id))
            .label("rank")
        )
        inner = (
            select(Message.conversation_id, Message.text, rank)
            .where(
                Message.conversation_id.in_(chunk),
                Message.direction == Direction.INBOUND.value,
                Message.text.is_not(None),
                Message.text != "",
                Message.is_deleted.is_(False),
            )
            .subquery()
        )
        query = (
            select(inner.c.conversation_id, inner.c.text)
            .where(inner.c.rank <= first)
            .order_by(inner.c.conversation_id, inner.c.rank)
        )
        for conv_id, text in session.execute(query):
            texts.setdefault(int(conv_id), []).append(str(text))
    return {cid: "\n".join(parts)[:max_chars] for cid, parts in texts.items()}


def correction_examples(
    session: Session,
    workspace_id: int,
    *,
    first: int = FIRST_MESSAGES,
    max_chars: int = MAX_CHARS,
) -> list[Correction]:
    """Every conversation of the workspace a person labelled, oldest correction first;
    conversations with no inbound text left are skipped."""
    labels = _latest_labels(session, workspace_id)
    texts = _first_texts(session, sorted(labels), first=first, max_chars=max_chars)
    found = [
        Correction(cid, lab.label, lab.previous, texts[cid], lab.kind, lab.at)
        for cid, lab in labels.items()
        if texts.get(cid, "").strip()
    ]
    return sorted(found, key=lambda c: (c.corrected_at, c.conversation_id))


def correction_counts(session: Session, workspace_id: int) -> dict[str, int]:
    """How many usable corrections carry each label (for the settings page)."""
    counts: dict[str, int] = {}
    for c in correction_examples(session, workspace_id):
        counts[c.label] = counts.get(c.label, 0) + 1
    return dict(sorted(counts.items()))
