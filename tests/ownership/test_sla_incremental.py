"""The SLA job recomputes only the conversations whose clocks can have moved, and still
records each warning and breach exactly once."""

from __future__ import annotations

from dmdesk.actions.conversations import do_set_status
from dmdesk.actions.sla import do_save_sla_policy
from dmdesk.models import Conversation
from dmdesk.routing.jobs import run_sla_check
from dmdesk.routing.sla_job import REFRESH_AFTER, due_for_check
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.ownership.kit import clock, events, inbound


def _policy(svc: Services, ws: Seeded) -> None:
    svc.db.write(
        lambda s: do_save_sla_policy(
            s,
            workspace_id=ws.workspace_id,
            name="Standard",
            definition={
                "hours": "calendar",
                "warning_fraction": 0.5,
                "targets": [{"first_response": "PT1H"}],
            },
            is_default=True,
            at=svc.clock(),
        )
    )


def _due(svc: Services) -> list[int]:
    with svc.db.session() as s:
        return due_for_check(s, now=svc.clock())


def test_only_crossed_or_changed_conversations_are_rechecked(svc: Services, ws: Seeded) -> None:
    _policy(svc, ws)
    first = inbound(svc, ws, "help", sender="a")
    clock(svc).advance(minutes=20)
    second = inbound(svc, ws, "help too", sender="b")
    assert _due(svc) == [first, second]  # never checked
    assert run_sla_check(svc) == 0
    clock(svc).advance(minutes=3)
    assert _due(svc) == [second]  # changed within CHANGE_MARGIN of the last run: once more
    run_sla_check(svc)
    clock(svc).advance(minutes=3)
    assert _due(svc) == []  # nothing crossed, nothing changed
    clock(svc).advance(minutes=5)  # first: 31 min in, past its warning at 30 min
    assert _due(svc) == [first]
    assert run_sla_check(svc) == 1
    assert _due(svc) == []
    svc.db.write(
        lambda s: do_set_status(
            s, conv=s.get_one(Conversation, second), status="pending", at=svc.clock(), actor_id=None
        )
    )
    assert _due(svc) == [second]  # changed since the last run
    run_sla_check(svc)
    clock(svc).advance(seconds=REFRESH_AFTER.total_seconds())
    assert _due(svc) == [first, second]  # every clock is refreshed now and then


def test_warnings_and_breaches_recorded_exactly_once(svc: Services, ws: Seeded) -> None:
    _policy(svc, ws)
    ids = [inbound(svc, ws, "help", sender=f"p{i}") for i in range(3)]
    recorded = 0
    for _minute in range(0, 120, 2):  # a run every two minutes for two hours
        recorded += run_sla_check(svc)
        clock(svc).advance(minutes=2)
    assert recorded == 6
    warned = sorted(e.conversation_id or 0 for e in events(svc, "sla.warning"))
    breached = sorted(e.conversation_id or 0 for e in events(svc, "sla.breached"))
    assert warned == breached == sorted(ids)


def test_a_run_skipped_for_a_while_records_both_crossings_once(svc: Services, ws: Seeded) -> None:
    _policy(svc, ws)
    conv_id = inbound(svc, ws, "help")
    assert run_sla_check(svc) == 0
    clock(svc).advance(hours=2)  # warning and breach both passed unseen
    assert _due(svc) == [conv_id]
    assert run_sla_check(svc) == 2
    assert run_sla_check(svc) == 0
    assert [e.type for e in events(svc, "sla.warning") + events(svc, "sla.breached")] == [
        "sla.warning",
        "sla.breached",
    ]
