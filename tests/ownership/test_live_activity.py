"""Viewing/typing pings cross instances: a ping reported to one instance reaches the
other instance's live stream through Redis, as an ephemeral event (never stored)."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from dmdesk.live.activity import ACTIVITY, activity_event, broadcast, is_ephemeral
from dmdesk.models import Event
from dmdesk.services import Services
from tests.conftest import seed_workspace


def test_a_typing_ping_on_one_instance_reaches_the_other(
    two_instances: tuple[Services, Services],
) -> None:
    a, b = two_instances
    seeded = seed_workspace(a)
    loop = asyncio.new_event_loop()
    b.hub.bind_loop(loop)
    sub = b.hub.subscribe(workspace_id=seeded.workspace_id, user_id=seeded.admin_id)
    time.sleep(0.3)  # let both listeners subscribe before publishing
    with a.db.session() as s:
        stored_before = s.scalar(select(func.count()).select_from(Event))
    ping = activity_event(
        workspace_id=seeded.workspace_id,
        conversation_id=42,
        user_id=seeded.agent_id,
        name="Ana",
        activity="typing",
        at=a.clock(),
    )
    broadcast(a.hub, a.fanout, ping)

    async def first_ping() -> tuple[str, int | None, str]:
        while True:
            event = await asyncio.wait_for(sub.queue.get(), timeout=5)
            assert event is not None
            if is_ephemeral(event):
                return event.type, event.conversation_id, str(event.data["activity"])

    try:
        assert loop.run_until_complete(first_ping()) == (ACTIVITY, 42, "typing")
    finally:
        loop.close()
    with a.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == stored_before
