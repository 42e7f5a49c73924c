"""Who is viewing or typing in a conversation, per instance and in memory: clients report
a heartbeat every few seconds and a report expires after `TTL`. Nothing touches the DB."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

TTL = timedelta(seconds=10)
ACTIVITIES = ("viewing", "typing")


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    activity: str
    seen_at: datetime


class CollisionRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[int, dict[int, Viewer]] = {}

    def report(self, conversation_id: int, viewer: Viewer) -> None:
        with self._lock:
            self._seen.setdefault(conversation_id, {})[viewer.user_id] = viewer

    def viewers(self, conversation_id: int, *, now: datetime) -> list[Viewer]:
        with self._lock:
            current = self._seen.get(conversation_id, {})
            fresh = {uid: v for uid, v in current.items() if now - v.seen_at < TTL}
            if fresh:
                self._seen[conversation_id] = fresh
            else:
                self._seen.pop(conversation_id, None)
            return sorted(fresh.values(), key=lambda v: v.user_id)


_registries: weakref.WeakKeyDictionary[object, CollisionRegistry] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def registry_for(owner: object) -> CollisionRegistry:
    """The registry of one running instance (keyed by its live hub, which lives as long)."""
    with _guard:
        found = _registries.get(owner)
        if found is None:
            found = _registries[owner] = CollisionRegistry()
        return found
