"""Live updates across several instances: committed events relayed through Redis pub/sub.

Each instance publishes the events it commits and feeds its own hub with the events the
others commit, so an agent connected to instance A sees a message ingested by instance B.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import datetime
from typing import Any

from dmdesk.db.events import PublishedEvent
from dmdesk.live.hub import LiveHub

CHANNEL = "dmdesk:events"
log = logging.getLogger(__name__)


def encode(event: PublishedEvent, origin: str) -> str:
    return json.dumps(
        {
            "origin": origin,
            "id": event.id,
            "workspace_id": event.workspace_id,
            "type": event.type,
            "conversation_id": event.conversation_id,
            "actor_kind": event.actor_kind,
            "actor_id": event.actor_id,
            "occurred_at": event.occurred_at.isoformat(),
            "data": event.data,
        },
        default=str,
    )


def decode(raw: str | bytes) -> tuple[str, PublishedEvent]:
    data: dict[str, Any] = json.loads(raw)
    origin = data.pop("origin")
    data["occurred_at"] = datetime.fromisoformat(data["occurred_at"])
    return origin, PublishedEvent(**data)


class RedisFanout:
    def __init__(self, url: str, hub: LiveHub) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._hub = hub
        self.origin = uuid.uuid4().hex
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def publish(self, event: PublishedEvent) -> None:
        """Bus subscriber: tell the other instances."""
        try:
            self._redis.publish(CHANNEL, encode(event, self.origin))
        except Exception:
            log.exception("redis publish failed", extra={"event_id": event.id})

    def start(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]  # redis-py leaves pubsub() unannotated
        pubsub.subscribe(CHANNEL)
        self._thread = threading.Thread(
            target=self._listen, args=(pubsub,), daemon=True, name="dmdesk-fanout"
        )
        self._thread.start()

    def _listen(self, pubsub: Any) -> None:
        while not self._stop.is_set():
            message = pubsub.get_message(timeout=0.5)
            if not message:
                continue
            origin, event = decode(message["data"])
            if origin != self.origin:
                self._hub.publish(event)
        pubsub.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._redis.close()
