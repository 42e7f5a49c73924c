"""The notification centre's read side: a user's notifications in words, with the link to
the conversation and the unread count (capped, so it stays cheap)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.actions.notifications import list_notifications
from dmdesk.models import Contact, Conversation, User
from dmdesk.models.ownership import Notification

UNREAD_CAP = 100
TARGETS = {
    "first_response": "first reply",
    "next_response": "next reply",
    "resolution": "resolution",
}


@dataclass(frozen=True)
class Notice:
    id: int
    kind: str
    text: str
    url: str | None
    conversation_id: int | None
    created_at: str
    read: bool

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "url": self.url,
            "conversation_id": self.conversation_id,
            "created_at": self.created_at,
            "read": self.read,
        }


def unread_count(session: Session, *, user: User, cap: int = UNREAD_CAP) -> int:
    """Unread notifications, counted up to `cap` along the (user_id, read_at, id) index."""
    ids = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(cap)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(ids)) or 0)


def _words(kind: str, data: dict[str, Any], contact: str, people: dict[int, str]) -> str:
    by = people.get(int(data.get("by") or 0))
    if kind == "assignment":
        return f"{by} assigned you {contact}" if by else f"{contact} was assigned to you"
    if kind == "mention":
        return f"{by or 'Someone'} mentioned you in a note on {contact}"
    if kind == "sla":
        target = TARGETS.get(str(data.get("target")), "SLA")
        if data.get("event") == "sla.breached":
            return f"{contact}: {target} target missed"
        return f"{contact}: {target} target due soon"
    if kind == "reply":
        return f"{contact} replied"
    return f"{kind} on {contact}"


def notices(
    session: Session, *, user: User, unread_only: bool = False, limit: int = 30
) -> list[Notice]:
    rows = list_notifications(session, user=user, unread_only=unread_only, limit=limit)
    conv_ids = {n.conversation_id for n in rows if n.conversation_id is not None}
    contacts = dict(
        session.execute(
            select(Conversation.id, func.coalesce(Contact.name, Contact.handle, "a contact"))
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Conversation.id.in_(conv_ids), Conversation.workspace_id == user.workspace_id)
        ).all()
    )
    by_ids = {int(n.data.get("by") or 0) for n in rows if n.data}
    people = dict(
        session.execute(
            select(User.id, User.name).where(
                User.id.in_(by_ids), User.workspace_id == user.workspace_id
            )
        ).all()
    )
    return [
        Notice(
            id=n.id,
            kind=n.kind,
            text=_words(
                n.kind, n.data or {}, contacts.get(n.conversation_id or 0, "a conversation"), people
            ),
            url=f"/conversations/{n.conversation_id}" if n.conversation_id in contacts else None,
            conversation_id=n.conversation_id,
            created_at=n.created_at.isoformat(),
            read=n.read_at is not None,
        )
        for n in rows
    ]
