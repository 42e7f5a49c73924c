"""Who is viewing or typing in a conversation, relayed live: an ephemeral event (id 0, never
stored, never replayed) sent to this instance's SSE clients and, through Redis, to the
other instances'. Browsers expire a marker when its pings stop."""

from __future__ import annotations

import json
from datetime import datetime

from dmdesk.db.events import PublishedEvent
from dmdesk.live.fanout import RedisFanout
from dmdesk.live.hub import LiveHub

ACTIVITY = "conversation.activity"
EPHEMERAL_ID = 0


def activity_event(
    *,
    workspace_id: int,
    conversation_id: int,
    user_id: int,
    name: str,
    activity: str,
    at: datetime,
) -> PublishedEvent:
    return PublishedEvent(
        id=EPHEMERAL_ID,
        workspace_id=workspace_id,
        type=ACTIVITY,
        conversation_id=conversation_id,
        actor_kind="user",
        actor_id=user_id,
        occurred_at=at,
        data={"name": name, "activity": activity},
    )


def is_ephemeral(event: PublishedEvent) -> bool:
    return event.id == EPHEMERAL_ID


def broadcast(hub: LiveHub, fanout: RedisFanout | None, event: PublishedEvent) -> None:
    hub.publish(event)
    if fanout is not None:
        fanout.publish(event)


def activity_sse(event: PublishedEvent) -> str:
    """An SSE frame without an id, so it never moves the client's replay position."""
    data = {
        "type": event.type,
        "conversation_id": event.conversation_id,
        "actor_id": event.actor_id,
        "at": event.occurred_at.isoformat(),
        "data": event.data,
    }
    return f"event: activity\ndata: {json.dumps(data)}\n\n"
