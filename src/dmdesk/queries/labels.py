"""Names for a set of conversations (contact, channel) in one query, for search results."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.models import Channel, Contact, Conversation


@dataclass(frozen=True)
class ConversationLabel:
    conversation_id: int
    contact_name: str
    channel_name: str
    platform: str
    status: str


def conversation_labels(
    session: Session, *, workspace_id: int, ids: list[int]
) -> dict[int, ConversationLabel]:
    if not ids:
        return {}
    rows = session.execute(
        select(
            Conversation.id,
            Contact.name,
            Contact.handle,
            Contact.external_id,
            Channel.name,
            Channel.platform,
            Conversation.status,
        )
        .join(Contact, Contact.id == Conversation.contact_id)
        .join(Channel, Channel.id == Conversation.channel_id)
        .where(Conversation.workspace_id == workspace_id, Conversation.id.in_(set(ids)))
    ).all()
    return {
        cid: ConversationLabel(cid, name or handle or ext, ch_name, platform, status)
        for cid, name, handle, ext, ch_name, platform, status in rows
    }
