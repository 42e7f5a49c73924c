"""Domain events after commit: subscribers run on one dispatcher thread, in commit order.

The writer hands each committed batch to `EventBus.publish`; handlers (live updates,
routing, rules, outbound webhooks) never run inside a transaction and never block ingestion.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable

from dmdesk.db.events import PublishedEvent

Handler = Callable[[PublishedEvent], None]
log = logging.getLogger(__name__)


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._queue: queue.Queue[list[PublishedEvent] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.published = 0

    def subscribe(self, event_type: str, handler: Handler) -> None:
        """`event_type` is an exact type, a prefix ending in '.*', or '*' for all."""
        self._handlers[event_type].append(handler)

    def _matching(self, event_type: str) -> list[Handler]:
        found = list(self._handlers.get("*", ()))
        found += self._handlers.get(event_type, ())
        prefix = event_type.split(".", 1)[0] + ".*"
        found += self._handlers.get(prefix, ())
        return found

    def publish(self, events: list[PublishedEvent]) -> None:
        if self._thread is None:
            self._dispatch(events)
        else:
            self._queue.put(events)

    def _dispatch(self, events: list[PublishedEvent]) -> None:
        for event in events:
            self.published += 1
            for handler in self._matching(event.type):
                try:
                    handler(event)
                except Exception:
                    log.exception(
                        "event handler failed",
                        extra={"event_id": event.id, "event_type": event.type},
                    )

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="dmdesk-bus", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is None:
                return
            self._dispatch(batch)

    def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout=10)
        self._thread = None
