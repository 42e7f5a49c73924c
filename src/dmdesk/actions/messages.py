"""Outbound replies (through the durable outbox) and internal notes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from dmdesk.actions.conversations import _event
from dmdesk.actions.ingest import apply_outbound_human, touch_last_message
from dmdesk.actions.templates import approved_template_language
from dmdesk.domain.enums import AuthorKind, DeliveryStatus, Direction, Platform
from dmdesk.domain.errors import Invalid, PolicyRefused
from dmdesk.domain.window import window_state
from dmdesk.models import Channel, Conversation, Message, Note, OutboxItem

MAX_TEXT = {
    Platform.MESSENGER: 2000,
    Platform.INSTAGRAM: 1000,
    Platform.WHATSAPP: 4096,
    Platform.TELEGRAM: 4096,
    Platform.X: 10000,
    Platform.GENERIC: 20000,
}


def do_send_reply(
    session: Session,
    *,
    conv: Conversation,
    text: str,
    at: datetime,
    author_id: int | None,
    author_kind: AuthorKind = AuthorKind.AGENT,
    template: str | None = None,
    template_language: str | None = None,
) -> Message:
    """Store the reply as 'pending' and queue it; the outbox worker sends it."""
    text = text.strip()
    if not text and not template:
        raise Invalid("a reply needs text", field="text")
    channel = session.get_one(Channel, conv.channel_id)
    platform = Platform(channel.platform)
    limit = MAX_TEXT[platform]
    if len(text) > limit:
        raise Invalid(f"{platform.value} accepts at most {limit} characters", field="text")
    if template is not None:
        template_language = approved_template_language(
            session, channel_id=channel.id, name=template, language=template_language
        )
    window = window_state(platform, conv.last_inbound_at, at)
    if not window.can_send_text and template is None:
        allowed = "use an approved template" if window.allowed == "template_only" else None
        raise PolicyRefused(window.explanation, allowed=allowed)
    tag = "HUMAN_AGENT" if window.allowed == "human_agent" else None
    if tag and author_kind is not AuthorKind.AGENT:
        raise PolicyRefused("after 24 h only a human agent may reply (HUMAN_AGENT tag)")
    key = uuid.uuid4().hex
    msg = Message(
        workspace_id=conv.workspace_id,
        conversation_id=conv.id,
        channel_id=channel.id,
        direction=Direction.OUTBOUND.value,
        author_kind=author_kind.value,
        author_user_id=author_id,
        platform_message_id=None,
        text=text or None,
        attachments=[],
        delivery_status=DeliveryStatus.PENDING.value,
        sent_at=at,
        received_at=at,
        is_deleted=False,
        reactions=[],
        meta={
            "idempotency_key": key,
            **({"tag": tag} if tag else {}),
            **({"template": template, "template_language": template_language} if template else {}),
        },
    )
    session.add(msg)
    session.flush()
    session.add(
        OutboxItem(
            message_id=msg.id,
            channel_id=channel.id,
            idempotency_key=key,
            status="queued",
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
    )
    if author_kind is AuthorKind.AGENT:
        apply_outbound_human(conv, at)
    conv.unread_count = 0
    touch_last_message(conv, msg, at)
    _event(
        session,
        conv,
        "message.created",
        at=at,
        actor_id=author_id,
        actor_kind="user" if author_id else author_kind.value,
        data={
            "message_id": msg.id,
            "direction": "outbound",
            "author_kind": author_kind.value,
            "channel_id": channel.id,
            "sent_at": at.isoformat(),
            "echo": False,
        },
    )
    return msg


def do_add_note(
    session: Session, *, conv: Conversation, text: str, at: datetime, author_id: int
) -> Note:
    text = text.strip()
    if not text:
        raise Invalid("a note needs text", field="text")
    note = Note(
        workspace_id=conv.workspace_id,
        conversation_id=conv.id,
        author_user_id=author_id,
        text=text,
        created_at=at,
    )
    session.add(note)
    session.flush()
    conv.version += 1
    conv.updated_at = at
    _event(session, conv, "note.created", at=at, actor_id=author_id, data={"note_id": note.id})
    return note
