"""Routing and assignment: which team and agent own a conversation.

`install` adds the pipeline hook (routing, assignment, after-hours reply) and the bus
subscribers (notifications); `dmdesk.routing.jobs` holds the periodic jobs.
"""

from __future__ import annotations

from typing import Any, Protocol

from dmdesk.bus import EventBus
from dmdesk.db.database import Database
from dmdesk.domain.clock import Clock
from dmdesk.routing.hook import on_new_message
from dmdesk.routing.notify import subscribe_notifications


class HasHooks(Protocol):
    @property
    def message_hooks(self) -> list[Any]: ...


def install(pipeline: HasHooks, bus: EventBus, db: Database, clock: Clock) -> None:
    pipeline.message_hooks.append(on_new_message)
    subscribe_notifications(bus, db, clock)
