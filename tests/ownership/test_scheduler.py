"""The scheduler runs every registered job, survives a failing one, and the services
come with the ownership jobs registered; a business-hours SLA pauses outside hours."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dmdesk.actions.routing import do_create_routing_rule
from dmdesk.actions.sla import do_save_sla_policy
from dmdesk.jobs.scheduler import Scheduler
from dmdesk.models.ownership import ConversationSla
from dmdesk.routing.jobs import run_sla_check
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.ownership.kit import clock, inbound, team


def test_scheduler_runs_jobs_and_isolates_failures(svc: Services) -> None:
    seen: list[object] = []
    scheduler = Scheduler(interval=0.01)
    scheduler.register("ok", lambda s: seen.append(s) or "done")
    scheduler.register("boom", lambda _s: 1 / 0)
    assert scheduler.run_once(svc) == {"ok": "done", "boom": "failed: ZeroDivisionError"}
    assert seen == [svc]
    assert set(svc.scheduler.jobs) >= {
        "sla_check",
        "reassignment",
        "presence_timeouts",
        "escalations",
    }


def test_business_hours_clock_pauses_when_closed(svc: Services, ws: Seeded) -> None:
    hours = {"timezone": "UTC", "shifts": [{"weekday": "thu", "start": "09:00", "end": "13:00"}]}
    team(svc, ws, "Support", [], schedule=hours)

    def setup(s: Session) -> None:
        do_create_routing_rule(
            s,
            workspace_id=ws.workspace_id,
            name="All",
            definition={"actions": {"team": "Support"}},
            at=svc.clock(),
        )
        do_save_sla_policy(
            s,
            workspace_id=ws.workspace_id,
            name="Business",
            definition={"hours": "business", "targets": [{"first_response": "PT2H"}]},
            is_default=True,
            at=svc.clock(),
        )

    svc.db.write(setup)
    conv_id = inbound(svc, ws, "help")  # Thursday 12:00: one business hour left today
    clock(svc).advance(hours=5)  # 17:00, closed since 13:00
    assert run_sla_check(svc) == 0  # 1 h counted: no warning at 75% yet
    with svc.db.session() as s:
        row = s.get_one(ConversationSla, conv_id)
    assert (row.state, row.paused_reason) == ("paused", "outside_hours")
    assert row.due_at is not None
    assert row.due_at.isoformat().startswith("2026-12-03T10:00")
