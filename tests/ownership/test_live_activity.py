"""Viewing/typing pings cross instances: a ping reported to one instance reaches the
other instance's live stream through Redis, as an ephemeral event (never stored)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import func, select

from dmdesk.live.activity import ACTIVITY, activity_event, broadcast, is_ephemeral
from dmdesk.models import Event
from dmdesk.services import Services, build_services
from tests.conftest import make_settings, seed_workspace

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def two_instances(pg_url: str) -> Iterator[tuple[Services, Services]]:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); .ci/run starts it")
    from tests.conftest import _truncate_pg

    _truncate_pg(pg_url)
    a = build_services(make_settings(pg_url, redis_url=REDIS_URL))
    b = build_services(make_settings(pg_url, redis_url=REDIS_URL))
    a.start_workers()
    b.start_workers()
    yield a, b
    a.stop()
    b.stop()


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
