"""Dead letters: webhook events no connector maps, kept raw for a workspace's admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.models import Channel, InboundQueueItem


@dataclass(frozen=True)
class DeadLetter:
    id: int
    channel_id: int
    platform: str
    channel_name: str
    event_kind: str
    reason: str | None
    received_at: datetime
    delivery_id: int | None
    raw: dict[str, Any]


def list_dead_letters(
    session: Session,
    *,
    workspace_id: int,
    limit: int,
    platform: str | None = None,
    before_id: int | None = None,
) -> list[DeadLetter]:
    """Newest first; `before_id` pages back through older ones."""
    query = (
        select(InboundQueueItem, Channel)
        .join(Channel, Channel.id == InboundQueueItem.channel_id)
        .where(Channel.workspace_id == workspace_id, InboundQueueItem.status == "dead")
        .order_by(InboundQueueItem.id.desc())
        .limit(limit)
    )
    if platform is not None:
        query = query.where(Channel.platform == platform)
    if before_id is not None:
        query = query.where(InboundQueueItem.id < before_id)
    return [_letter(item, channel) for item, channel in session.execute(query)]


def _letter(item: InboundQueueItem, channel: Channel) -> DeadLetter:
    payload = item.payload or {}
    raw = payload.get("raw")
    return DeadLetter(
        id=item.id,
        channel_id=channel.id,
        platform=channel.platform,
        channel_name=channel.name,
        event_kind=str(payload.get("event_kind") or item.kind),
        reason=item.error,
        received_at=item.received_at,
        delivery_id=item.delivery_id,
        raw=raw if isinstance(raw, dict) else payload,
    )
