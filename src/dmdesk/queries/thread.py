"""A conversation's thread: messages, internal notes and system events in time order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.domain.pii_mask import mask_text
from dmdesk.models import Channel, Contact, Conversation, Event, Message, Note, User

THREAD_EVENTS = (
    "conversation.assigned",
    "conversation.team_changed",
    "conversation.resolved",
    "conversation.reopened",
    "conversation.snoozed",
    "conversation.pending",
    "conversation.tagged",
    "conversation.untagged",
    "conversation.priority_changed",
    "conversation.category_corrected",
    "conversation.marked_spam",
    "conversation.marked_not_spam",
    "triage.applied",
    "routing.applied",
)


@dataclass(frozen=True)
class ThreadItem:
    kind: Literal["message", "note", "event"]
    at: datetime
    id: int
    message: Message | None = None
    note: Note | None = None
    event: Event | None = None
    author_name: str | None = None
    # A message's text as this reader may see it (personal data masked for agents without
    # the "view personal data" permission); the stored text is never changed.
    text: str | None = None


@dataclass(frozen=True)
class Thread:
    conversation: Conversation
    contact: Contact
    channel: Channel
    items: list[ThreadItem]
    other_conversations: list[tuple[Conversation, Channel]]
    users: dict[int, str]


def load_thread(
    session: Session, conv: Conversation, *, limit: int = 200, mask_pii: bool = False
) -> Thread:
    contact = session.get_one(Contact, conv.contact_id)
    channel = session.get_one(Channel, conv.channel_id)
    users = dict(
        session.execute(
            select(User.id, User.name).where(User.workspace_id == conv.workspace_id)
        ).all()
    )
    messages = session.scalars(
        select(Message)
        .where(Message.conversation_id == conv.id)
        .order_by(Message.id.desc())
        .limit(limit)
    ).all()
    notes = session.scalars(
        select(Note).where(Note.conversation_id == conv.id).order_by(Note.id.desc()).limit(limit)
    ).all()
    events = session.scalars(
        select(Event)
        .where(Event.conversation_id == conv.id, Event.type.in_(THREAD_EVENTS))
        .order_by(Event.id.desc())
        .limit(limit)
    ).all()
    items = [
        ThreadItem(
            "message",
            m.sent_at,
            m.id,
            message=m,
            author_name=users.get(m.author_user_id or 0),
            text=mask_text(m.text) if mask_pii else m.text,
        )
        for m in messages
    ]
    items += [
        ThreadItem("note", n.created_at, n.id, note=n, author_name=users.get(n.author_user_id))
        for n in notes
    ]
    items += [
        ThreadItem("event", e.occurred_at, e.id, event=e, author_name=users.get(e.actor_id or 0))
        for e in events
    ]
    items.sort(key=lambda i: (i.at, i.kind != "message", i.id))
    others = session.execute(
        select(Conversation, Channel)
        .join(Channel, Channel.id == Conversation.channel_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(
            Conversation.workspace_id == conv.workspace_id,
            Conversation.id != conv.id,
            Contact.external_id == contact.external_id,
        )
        .limit(10)
    ).all()
    return Thread(conv, contact, channel, items, list(others), users)


def message_json(item: ThreadItem, users: dict[int, str]) -> dict[str, Any]:
    """A thread message for the API, with the text as the reader may see it."""
    m = item.message
    assert m is not None, "only message items"
    return {
        "id": m.id,
        "direction": m.direction,
        "author_kind": m.author_kind,
        "author_name": users.get(m.author_user_id or 0),
        "text": item.text,
        "attachments": m.attachments,
        "delivery_status": m.delivery_status,
        "error_code": m.error_code,
        "error_message": m.error_message,
        "platform_message_id": m.platform_message_id,
        "sent_at": m.sent_at.isoformat(),
        "received_at": m.received_at.isoformat(),
        "is_deleted": m.is_deleted,
        "edited_at": m.edited_at.isoformat() if m.edited_at else None,
        "reactions": m.reactions,
        "meta": {k: v for k, v in m.meta.items() if k != "idempotency_key"},
    }
