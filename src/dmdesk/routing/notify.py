"""Bus subscribers that turn domain events into notifications: assignments, @mentions in
internal notes, and customer replies on a conversation assigned to someone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from dmdesk.actions.notifications import do_notify, mentioned_users
from dmdesk.bus import EventBus
from dmdesk.db.database import Database
from dmdesk.db.events import PublishedEvent
from dmdesk.domain.clock import Clock
from dmdesk.models import Conversation, Note

log = logging.getLogger(__name__)
Writer = Callable[[Session, PublishedEvent], None]


def _assigned(s: Session, e: PublishedEvent, clock: Clock) -> None:
    to = e.data.get("to")
    if to is None or to == e.actor_id or e.conversation_id is None:
        return
    conv = s.get(Conversation, e.conversation_id)
    data = {"reason": e.data.get("reason"), "by": e.actor_id}
    do_notify(s, user_id=int(to), kind="assignment", conv=conv, at=clock(), data=data)


def _mentioned(s: Session, e: PublishedEvent, clock: Clock) -> None:
    note = s.get(Note, int(e.data.get("note_id") or 0))
    if note is None:
        return
    conv = s.get(Conversation, note.conversation_id)
    for user in mentioned_users(s, workspace_id=note.workspace_id, text=note.text):
        if user.id != note.author_user_id:
            data = {"note_id": note.id, "by": note.author_user_id}
            do_notify(s, user_id=user.id, kind="mention", conv=conv, at=clock(), data=data)


def _replied(s: Session, e: PublishedEvent, clock: Clock) -> None:
    if e.data.get("direction") != "inbound" or e.data.get("echo") or e.conversation_id is None:
        return
    conv = s.get(Conversation, e.conversation_id)
    if conv is None or conv.assignee_id is None or conv.created_at >= e.occurred_at:
        return  # a brand-new conversation: its assignment notification says enough
    data = {"message_id": e.data.get("message_id")}
    do_notify(s, user_id=conv.assignee_id, kind="reply", conv=conv, at=clock(), data=data)


@cache
def _owner_query() -> Select[int | None, datetime]:
    return select(Conversation.assignee_id, Conversation.created_at).where(
        Conversation.id == bindparam("conv_id")
    )


def _reply_wanted(db: Database, e: PublishedEvent) -> bool:
    """A read (no write, no writer queue) to see whether a customer message concerns an
    assigned, older conversation; `_replied` checks again inside the write. It runs for
    every inbound message, so on a plain connection (no ORM session to set up)."""
    if e.conversation_id is None:
        return False
    with db.read_engine.connect() as conn:
        row = conn.execute(_owner_query(), {"conv_id": e.conversation_id}).first()
    if row is None or row.assignee_id is None:
        return False
    return bool(row.created_at < e.occurred_at)


def _worth_a_look(e: PublishedEvent) -> bool:
    """Cheap checks before taking a write: most events notify nobody."""
    if e.type == "conversation.assigned":
        return e.data.get("to") not in (None, e.actor_id)
    if e.type == "message.created":
        return e.data.get("direction") == "inbound" and not e.data.get("echo")
    return e.type == "note.created"


def subscribe_notifications(bus: EventBus, db: Database, clock: Clock) -> None:
    handlers = {
        "conversation.assigned": _assigned,
        "note.created": _mentioned,
        "message.created": _replied,
    }
    for event_type, handler in handlers.items():
        bus.subscribe(event_type, _writing(db, clock, handler))


def _writing(
    db: Database, clock: Clock, handler: Callable[[Session, PublishedEvent, Clock], None]
) -> Callable[[PublishedEvent], None]:
    def on_event(event: PublishedEvent) -> None:
        if not _worth_a_look(event):
            return
        if event.type == "message.created" and not _reply_wanted(db, event):
            return
        try:
            db.write(lambda s: handler(s, event, clock))
        except Exception:
            log.exception("notification failed", extra={"event_id": event.id})

    return on_event
