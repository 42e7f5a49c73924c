"""A short-lived cache of channels and their opened configs, for the webhook hot path."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from dmdesk.actions.channels import channel_config
from dmdesk.connectors.base import ChannelConfig
from dmdesk.db.database import Database
from dmdesk.db.secretbox import SecretBox
from dmdesk.models import Channel

TTL_S = 5.0


@dataclass(frozen=True)
class ChannelEntry:
    id: int
    workspace_id: int
    platform: str
    external_id: str
    config: ChannelConfig


class ChannelCache:
    """Channels change rarely; a new channel is visible to webhooks within TTL_S seconds."""

    def __init__(self, db: Database, box: SecretBox) -> None:
        self._db = db
        self._box = box
        self._lock = threading.Lock()
        self._by_platform: dict[str, tuple[float, list[ChannelEntry]]] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._by_platform.clear()

    def for_platform(self, platform: str) -> list[ChannelEntry]:
        now = time.monotonic()
        with self._lock:
            cached = self._by_platform.get(platform)
            if cached and now - cached[0] < TTL_S:
                return cached[1]
        with self._db.session() as s:
            rows = s.scalars(
                select(Channel).where(Channel.platform == platform, Channel.is_active.is_(True))
            ).all()
            entries = [
                ChannelEntry(
                    c.id, c.workspace_id, c.platform, c.external_id, channel_config(c, self._box)
                )
                for c in rows
            ]
        with self._lock:
            self._by_platform[platform] = (now, entries)
        return entries

    def by_id(self, platform: str, channel_id: int) -> ChannelEntry | None:
        for entry in self.for_platform(platform):
            if entry.id == channel_id:
                return entry
        # A channel created a moment ago: look again before saying 404.
        self.invalidate()
        return next((e for e in self.for_platform(platform) if e.id == channel_id), None)
