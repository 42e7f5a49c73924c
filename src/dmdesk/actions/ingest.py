"""Applying normalised inbound events: contacts, conversations, messages, receipts.

Idempotent on unique keys (contact per channel, conversation per contact, message per
platform id): a retried or duplicated delivery changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import _event, refresh_queue_position
from dmdesk.db.upsert import insert_ignore
from dmdesk.domain.enums import AuthorKind, ConversationStatus, DeliveryStatus, Direction
from dmdesk.domain.inbound import (
    Attachment,
    ContactRef,
    DeliveryUpdate,
    InboundDeletion,
    InboundEdit,
    InboundMessage,
    InboundReaction,
    InboundReferral,
)
from dmdesk.models import Channel, Contact, Conversation, Message

PREVIEW_LEN = 200
PRELOADED_KEY = "dmdesk_ingest_preloaded"
ATTACHMENT_WORDS = {
    "image": "Photo",
    "video": "Video",
    "audio": "Audio",
    "voice": "Voice message",
    "file": "File",
    "sticker": "Sticker",
    "location": "Location",
    "contact": "Contact card",
    "share": "Shared post",
    "story_mention": "Mentioned you in their story",
    "reel": "Reel",
}


@dataclass(frozen=True)
class IngestOutcome:
    conversation_id: int
    message_id: int | None
    created_conversation: bool
    duplicate: bool


def preview_of(text: str | None, attachments: list[dict[str, Any]], *, story: bool = False) -> str:
    if text:
        return " ".join(text.split())[:PREVIEW_LEN]
    if story:
        return "Replied to your story"
    if attachments:
        return ATTACHMENT_WORDS.get(str(attachments[0].get("kind")), "Attachment")
    return ""


@dataclass
class _Preloaded:
    contacts: dict[tuple[int, str], Contact]
    conversations: dict[tuple[int, int], Conversation]


def preload(session: Session, events: list[tuple[int, Any]]) -> None:
    """Load the contacts and conversations a batch of (channel id, event) will touch in two
    queries, so applying each event need not look them up one SELECT (and flush) at a time.
    Lives as long as the session's transaction; `forget_preloaded` after a rollback."""
    wanted: dict[int, set[str]] = {}
    for channel_id, event in events:
        ref = getattr(event, "contact", None)
        if isinstance(ref, ContactRef):
            wanted.setdefault(channel_id, set()).add(ref.external_id)
    cache = _Preloaded({}, {})
    for channel_id, external_ids in wanted.items():
        found = session.scalars(
            select(Contact).where(
                Contact.channel_id == channel_id, Contact.external_id.in_(external_ids)
            )
        )
        cache.contacts.update({(channel_id, c.external_id): c for c in found})
    contact_ids = [c.id for c in cache.contacts.values()]
    if contact_ids:
        convs = session.scalars(
            select(Conversation).where(Conversation.contact_id.in_(contact_ids))
        )
        cache.conversations.update({(c.channel_id, c.contact_id): c for c in convs})
    session.info[PRELOADED_KEY] = cache


def forget_preloaded(session: Session) -> None:
    session.info.pop(PRELOADED_KEY, None)


def _preloaded(session: Session) -> _Preloaded | None:
    found: _Preloaded | None = session.info.get(PRELOADED_KEY)
    return found


def _find_contact(session: Session, channel_id: int, external_id: str) -> Contact | None:
    cache = _preloaded(session)
    if cache is not None and (found := cache.contacts.get((channel_id, external_id))):
        return found
    contact = session.scalars(
        select(Contact).where(Contact.channel_id == channel_id, Contact.external_id == external_id)
    ).first()
    if cache is not None and contact is not None:
        cache.contacts[(channel_id, external_id)] = contact
    return contact


def upsert_contact(session: Session, *, channel: Channel, ref: ContactRef, at: datetime) -> Contact:
    """Most messages come from people already known: look first, insert only when new."""
    contact = _find_contact(session, channel.id, ref.external_id)
    if contact is None:
        contact = _insert_contact(session, channel=channel, ref=ref, at=at)
    for attr in ("name", "handle", "phone"):
        value = getattr(ref, attr)
        if value and getattr(contact, attr) != value:
            setattr(contact, attr, value)
    return contact


def _insert_contact(
    session: Session, *, channel: Channel, ref: ContactRef, at: datetime
) -> Contact:
    insert_ignore(
        session,
        Contact,
        {
            "workspace_id": channel.workspace_id,
            "channel_id": channel.id,
            "external_id": ref.external_id,
            "name": ref.name,
            "handle": ref.handle,
            "phone": ref.phone,
            "language": ref.language,
            "attributes": {},
            "created_at": at,
        },
        conflict=["channel_id", "external_id"],
    )
    contact = _find_contact(session, channel.id, ref.external_id)
    assert contact is not None
    return contact


def _find_conversation(session: Session, channel_id: int, contact_id: int) -> Conversation | None:
    cache = _preloaded(session)
    if cache is not None and (found := cache.conversations.get((channel_id, contact_id))):
        return found
    conv = session.scalars(
        select(Conversation).where(
            Conversation.channel_id == channel_id, Conversation.contact_id == contact_id
        )
    ).first()
    if cache is not None and conv is not None:
        cache.conversations[(channel_id, contact_id)] = conv
    return conv


def upsert_conversation(
    session: Session, *, channel: Channel, contact: Contact, at: datetime
) -> tuple[Conversation, bool]:
    existing = _find_conversation(session, channel.id, contact.id)
    if existing is not None:
        return existing, False
    new_id = insert_ignore(
        session,
        Conversation,
        {
            "workspace_id": channel.workspace_id,
            "channel_id": channel.id,
            "contact_id": contact.id,
            "status": "open",
            "priority": "normal",
            "triage": {},
            "queue_rank": 5,
            "sort_at": at,
            "last_message_at": at,
            "last_message_preview": "",
            "last_message_author": "contact",
            "unread_count": 0,
            "version": 1,
            "created_at": at,
            "updated_at": at,
        },
        conflict=["channel_id", "contact_id"],
    )
    conv = _find_conversation(session, channel.id, contact.id)
    assert conv is not None
    if new_id is not None:
        _event(
            session,
            conv,
            "conversation.created",
            at=at,
            actor_id=None,
            actor_kind="contact",
            data={"channel_id": channel.id, "contact_id": contact.id},
        )
    return conv, new_id is not None


def _apply_inbound(session: Session, conv: Conversation, msg: Message, at: datetime) -> None:
    sent = msg.sent_at
    conv.first_inbound_at = min(conv.first_inbound_at or sent, sent)
    conv.last_inbound_at = max(conv.last_inbound_at or sent, sent)
    if conv.waiting_since is None:
        conv.waiting_since = sent
    conv.unread_count += 1
    if conv.status in (ConversationStatus.RESOLVED, ConversationStatus.SNOOZED):
        previous = conv.status
        conv.status = ConversationStatus.OPEN.value
        conv.snoozed_until = None
        _event(
            session,
            conv,
            "conversation.reopened",
            at=at,
            actor_id=None,
            actor_kind="contact",
            data={"from": previous, "to": "open", "by": "contact"},
        )


def apply_outbound_human(conv: Conversation, sent_at: datetime) -> None:
    """A person on the team answered: the first-response clock stops, waiting ends."""
    if conv.first_human_reply_at is None and conv.first_inbound_at is not None:
        conv.first_human_reply_at = sent_at
    conv.waiting_since = None


def touch_last_message(conv: Conversation, msg: Message, at: datetime) -> None:
    if msg.sent_at >= conv.last_message_at or conv.last_message_preview == "":
        conv.last_message_at = msg.sent_at
        conv.last_message_preview = preview_of(
            msg.text, msg.attachments, story=bool(msg.meta.get("story_url"))
        )
        conv.last_message_author = msg.author_kind
    refresh_queue_position(conv)
    conv.version += 1
    conv.updated_at = at


def _message_values(
    channel: Channel, conv: Conversation, ev: InboundMessage, at: datetime
) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key in ("story_url", "story_id", "quick_reply_payload", "postback_payload", "echo_app_id"):
        if getattr(ev, key):
            meta[key] = getattr(ev, key)
    if ev.referral:
        meta["referral"] = asdict(ev.referral)
    if ev.is_echo:
        meta["sent_from_platform_app"] = True
    if ev.is_unsupported:
        meta["unsupported"] = True
    return {
        "workspace_id": channel.workspace_id,
        "conversation_id": conv.id,
        "channel_id": channel.id,
        "direction": (Direction.OUTBOUND if ev.is_echo else Direction.INBOUND).value,
        "author_kind": (AuthorKind.AGENT if ev.is_echo else AuthorKind.CONTACT).value,
        "platform_message_id": ev.message_id,
        "text": ev.text,
        "attachments": [_attachment_json(a) for a in ev.attachments],
        "delivery_status": DeliveryStatus.SENT.value if ev.is_echo else None,
        "sent_at": ev.occurred_at,
        "received_at": at,
        "is_deleted": False,
        "reactions": [],
        "reply_to_platform_id": ev.reply_to_message_id,
        "meta": meta,
    }


def _attachment_json(a: Attachment) -> dict[str, Any]:
    return {k: v for k, v in asdict(a).items() if v not in (None, {}, "")}


def do_ingest_message(
    session: Session, *, channel: Channel, event: InboundMessage, at: datetime
) -> IngestOutcome:
    contact = upsert_contact(session, channel=channel, ref=event.contact, at=at)
    contact.last_seen_at = at if not event.is_echo else contact.last_seen_at
    conv, created = upsert_conversation(session, channel=channel, contact=contact, at=at)
    values = _message_values(channel, conv, event, at)
    new_id = insert_ignore(session, Message, values, conflict=["channel_id", "platform_message_id"])
    if new_id is None:
        return IngestOutcome(conv.id, None, created, duplicate=True)
    # A detached copy of what was just inserted: read-only here, saves a SELECT per message.
    msg = Message(id=new_id, **values)
    if event.is_echo:
        apply_outbound_human(conv, msg.sent_at)
    else:
        _apply_inbound(session, conv, msg, at)
        if event.referral and conv.referral is None:
            conv.referral = asdict(event.referral)
    touch_last_message(conv, msg, at)
    _event(
        session,
        conv,
        "message.created",
        at=at,
        actor_id=None,
        actor_kind=msg.author_kind,
        data={
            "message_id": msg.id,
            "direction": msg.direction,
            "author_kind": msg.author_kind,
            "channel_id": channel.id,
            "sent_at": msg.sent_at.isoformat(),
            "echo": event.is_echo,
        },
    )
    return IngestOutcome(conv.id, msg.id, created, duplicate=False)


def _find_message(session: Session, channel: Channel, platform_id: str) -> Message | None:
    return session.scalars(
        select(Message).where(
            Message.channel_id == channel.id, Message.platform_message_id == platform_id
        )
    ).first()


def do_apply_reaction(
    session: Session, *, channel: Channel, event: InboundReaction, at: datetime
) -> bool:
    msg = _find_message(session, channel, event.message_id)
    if msg is None:
        return False
    who = event.contact.external_id
    reactions = [r for r in msg.reactions if r.get("by") != who]
    if event.action == "react":
        reactions.append({"emoji": event.emoji, "by": who, "at": event.occurred_at.isoformat()})
    msg.reactions = reactions
    conv = session.get_one(Conversation, msg.conversation_id)
    _event(
        session,
        conv,
        "message.reaction",
        at=at,
        actor_id=None,
        actor_kind="contact",
        data={"message_id": msg.id, "emoji": event.emoji, "action": event.action},
    )
    return True


def do_apply_deletion(
    session: Session, *, channel: Channel, event: InboundDeletion, at: datetime
) -> bool:
    """The person unsent a message: keep a tombstone with its time, drop its content."""
    msg = _find_message(session, channel, event.message_id)
    if msg is None or msg.is_deleted:
        return False
    msg.is_deleted = True
    msg.text = None
    msg.attachments = []
    conv = session.get_one(Conversation, msg.conversation_id)
    _event(
        session,
        conv,
        "message.deleted",
        at=at,
        actor_id=None,
        actor_kind="contact",
        data={"message_id": msg.id},
    )
    return True


def do_apply_edit(session: Session, *, channel: Channel, event: InboundEdit, at: datetime) -> bool:
    msg = _find_message(session, channel, event.message_id)
    if msg is None:
        return False
    msg.text = event.text
    msg.edited_at = event.occurred_at
    conv = session.get_one(Conversation, msg.conversation_id)
    _event(
        session,
        conv,
        "message.edited",
        at=at,
        actor_id=None,
        actor_kind="contact",
        data={"message_id": msg.id},
    )
    return True


def do_apply_referral(
    session: Session, *, channel: Channel, event: InboundReferral, at: datetime
) -> int:
    contact = upsert_contact(session, channel=channel, ref=event.contact, at=at)
    conv, _created = upsert_conversation(session, channel=channel, contact=contact, at=at)
    conv.referral = asdict(event.referral)
    _event(
        session,
        conv,
        "conversation.referral",
        at=at,
        actor_id=None,
        actor_kind="contact",
        data={"referral": conv.referral},
    )
    return conv.id


def do_apply_delivery(
    session: Session, *, channel: Channel, event: DeliveryUpdate, at: datetime
) -> int:
    """Move outbound messages' status forward; returns how many changed."""
    query = select(Message).where(
        Message.channel_id == channel.id, Message.direction == Direction.OUTBOUND.value
    )
    if event.message_ids:
        query = query.where(Message.platform_message_id.in_(event.message_ids))
    elif event.watermark is not None:
        contact_id = (
            select(Contact.id)
            .where(
                Contact.channel_id == channel.id, Contact.external_id == event.contact_external_id
            )
            .scalar_subquery()
        )
        conv_ids = select(Conversation.id).where(Conversation.contact_id == contact_id)
        query = query.where(
            Message.conversation_id.in_(conv_ids), Message.sent_at <= event.watermark
        )
    else:
        return 0
    changed = 0
    for msg in session.scalars(query):
        current = DeliveryStatus(msg.delivery_status or "pending")
        if not current.advances(event.status):
            continue
        msg.delivery_status = event.status.value
        if event.status is DeliveryStatus.FAILED:
            msg.error_code, msg.error_message = event.error_code, event.error_message
        changed += 1
        conv = session.get_one(Conversation, msg.conversation_id)
        _event(
            session,
            conv,
            "message.status",
            at=at,
            actor_id=None,
            actor_kind="system",
            data={"message_id": msg.id, "status": event.status.value},
        )
    return changed


def clear_unread(session: Session, conv_id: int) -> None:
    session.execute(update(Conversation).where(Conversation.id == conv_id).values(unread_count=0))
