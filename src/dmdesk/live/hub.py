"""Fan-out of committed events to SSE clients, per workspace, with bounded queues.

Events come from the bus thread; each connected client has an asyncio queue on the
server's loop. A client that falls too far behind is told to reload (the event log
replays from `Last-Event-ID`, so nothing is lost).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from dmdesk.db.events import PublishedEvent

CLIENT_QUEUE = 1000


@dataclass(eq=False)
class Subscriber:
    workspace_id: int
    user_id: int
    queue: asyncio.Queue[PublishedEvent | None] = field(
        default_factory=lambda: asyncio.Queue(CLIENT_QUEUE)
    )
    overflowed: bool = False


class LiveHub:
    def __init__(self) -> None:
        self._subs: set[Subscriber] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def client_count(self) -> int:
        return len(self._subs)

    def subscribe(self, *, workspace_id: int, user_id: int) -> Subscriber:
        sub = Subscriber(workspace_id=workspace_id, user_id=user_id)
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, event: PublishedEvent) -> None:
        """Called from the bus thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            targets = [s for s in self._subs if s.workspace_id == event.workspace_id]
        for sub in targets:
            loop.call_soon_threadsafe(_offer, sub, event)

    def close(self) -> None:
        loop = self._loop
        with self._lock:
            subs = list(self._subs)
        if loop is not None and not loop.is_closed():
            for sub in subs:
                loop.call_soon_threadsafe(_offer_end, sub)


def _offer(sub: Subscriber, event: PublishedEvent) -> None:
    try:
        sub.queue.put_nowait(event)
    except asyncio.QueueFull:
        sub.overflowed = True


def _offer_end(sub: Subscriber) -> None:
    try:
        sub.queue.put_nowait(None)
    except asyncio.QueueFull:
        sub.overflowed = True
