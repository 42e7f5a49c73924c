"""Two instances on one PostgreSQL database: a change on one reaches the other's stream."""

from __future__ import annotations

import asyncio
import time

from dmdesk.services import Services
from tests.conftest import seed_workspace


def test_an_event_committed_on_one_instance_reaches_the_other(
    two_instances: tuple[Services, Services],
) -> None:
    a, b = two_instances
    loop = asyncio.new_event_loop()
    b.hub.bind_loop(loop)
    seeded = seed_workspace(a)
    sub = b.hub.subscribe(workspace_id=seeded.workspace_id, user_id=seeded.agent_id)
    time.sleep(0.3)  # let both listeners subscribe before publishing

    from dmdesk.actions.teams import do_create_team

    a.db.write(
        lambda s: do_create_team(s, workspace_id=seeded.workspace_id, name="Care", at=a.clock())
    )

    async def first_team_event() -> str:
        while True:
            event = await asyncio.wait_for(sub.queue.get(), timeout=5)
            assert event is not None
            if event.type == "team.created":
                return str(event.data["name"])

    try:
        assert loop.run_until_complete(first_team_event()) == "Care"
    finally:
        loop.close()
