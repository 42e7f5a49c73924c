"""A replayed history with hand-computed metrics: reopen, reassignment, after-hours, bot
replies, deleted messages and the spring-forward DST change in Berlin (2026-03-29)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.people import do_ensure_person, do_merge_people
from dmdesk.domain.enums import AuthorKind
from dmdesk.metrics import definitions as d
from dmdesk.metrics import reports
from dmdesk.metrics.rollups import behind, read_tables, recompute
from dmdesk.metrics.service import refresh
from dmdesk.models import Contact
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.metrics.scenario import WEEKDAYS_9_TO_5, Desk, berlin


def replay(services: Services, seeded: Seeded) -> Desk:
    desk = Desk(services, seeded.workspace_id, seeded.channel_id)
    desk.configure(timezone="Europe/Berlin", schedule=WEEKDAYS_9_TO_5)
    agent1, agent2 = seeded.agent_id, seeded.admin_id
    # A: answered in hours, resolved, reopened by the contact, reassigned, resolved again.
    a, _ = desk.inbound("alice", berlin("2026-03-27T10:00:00"))
    desk.assign(a, berlin("2026-03-27T10:00:10"), agent1)
    desk.reply(a, berlin("2026-03-27T10:00:30"), user_id=None, kind=AuthorKind.BOT)
    desk.reply(a, berlin("2026-03-27T10:05:00"), user_id=agent1)
    desk.inbound("alice", berlin("2026-03-27T10:20:00"))
    desk.reply(a, berlin("2026-03-27T10:30:00"), user_id=agent1)
    desk.status(a, berlin("2026-03-27T11:00:00"), "resolved", agent1)
    desk.inbound("alice", berlin("2026-03-30T09:00:00"))
    desk.assign(a, berlin("2026-03-30T09:10:00"), agent2)
    desk.reply(a, berlin("2026-03-30T09:40:00"), user_id=agent2)
    desk.status(a, berlin("2026-03-30T10:00:00"), "resolved", agent2)
    desk.event(a, "csat.recorded", berlin("2026-03-30T10:05:00"), score=5)
    desk.event(a, "sla.applied", berlin("2026-03-27T10:00:00"))
    # B: written on Saturday evening, answered on Monday across the DST change.
    b, _ = desk.inbound("bob", berlin("2026-03-28T20:00:00"))
    desk.reply(b, berlin("2026-03-30T09:30:00"), user_id=agent1)
    desk.event(b, "conversation.escalated", berlin("2026-03-30T09:31:00"))
    desk.event(b, "sla.breached", berlin("2026-03-29T20:00:00"), target="first_response")
    # C: an unsent first message and a deleted reply do not count.
    c, unsent = desk.inbound("carol", berlin("2026-03-30T12:00:00"))
    desk.unsend(unsent, berlin("2026-03-30T12:01:00"))
    desk.inbound("carol", berlin("2026-03-30T12:10:00"))
    wrong = desk.reply(c, berlin("2026-03-30T12:20:00"), user_id=agent1)
    desk.event(c, "message.deleted", berlin("2026-03-30T12:21:00"), message_id=wrong)
    desk.reply(c, berlin("2026-03-30T12:40:00"), user_id=agent1)
    desk.event(c, "csat.recorded", berlin("2026-03-30T13:00:00"), score=3)
    desk.event(c, "lead.qualified", berlin("2026-03-30T12:45:00"))
    desk.event(c, "conversion.recorded", berlin("2026-03-30T12:50:00"), value=49.9, currency="EUR")
    desk.event(c, "sla.applied", berlin("2026-03-30T12:10:00"))
    return desk


def _summary(services: Services, seeded: Seeded, **kw: Any) -> dict[str, Any]:
    refresh(services.db)
    flt = d.ReportFilter(date(2026, 3, 27), date(2026, 3, 30), **kw)
    with services.db.session() as s:
        return reports.summary(s, seeded.workspace_id, flt)


def _dur(median: float | None, p90: float | None, mean: float | None, n: int) -> dict[str, Any]:
    return {"median_s": median, "p90_s": p90, "mean_s": mean, "n": n}


def test_every_metric_of_the_replay_in_calendar_hours(services: Services, seeded: Seeded) -> None:
    replay(services, seeded)
    m = _summary(services, seeded)
    # FRT: A 300 s; B Sat 20:00 -> Mon 09:30 is 36.5 h (not 37.5: the clocks sprang
    # forward); C from 12:10 (the unsent 12:00 is gone) to 12:40 (12:20 was deleted).
    assert m["first_response_time"] == _dur(1800.0, 105480.0, 44500.0, 3)
    assert m["next_reply_time"] == _dur(1500.0, 2220.0, 1500.0, 2)
    assert m["reply_time"] == _dur(1800.0, 79800.0, 27300.0, 5)
    assert m["time_to_resolution"] == _dur(3600.0, 3600.0, 3600.0, 2)
    assert m["inbound_messages"] == {"count": 5}
    assert m["conversations_started"] == {"count": 3}
    assert m["human_replies"] == {"count": 5}
    assert m["completion_rate"] == {"rate": 0.3333, "completed": 1, "n": 3}
    assert m["lead_qualification_rate"] == {"rate": 0.3333, "qualified": 1, "n": 3}
    assert m["conversion_rate"] == {"rate": 0.3333, "converted": 1, "n": 3, "value": 49.9}
    assert m["escalation_rate"] == {"rate": 0.3333, "escalated": 1, "n": 3}
    assert m["sla_attainment"] == {"rate": 0.6667, "attained": 2, "n": 3}
    assert m["csat"] == {"share_4_5": 0.5, "mean": 4.0, "median": 4.0, "p90": 4.8, "n": 2}


def test_business_hours_exclude_the_weekend(services: Services, seeded: Seeded) -> None:
    replay(services, seeded)
    m = _summary(services, seeded, hours=d.HoursMode.BUSINESS)
    # B counts only Monday 09:00-09:30 of open time.
    assert m["first_response_time"] == _dur(1800.0, 1800.0, 1300.0, 3)
    assert m["time_to_resolution"] == _dur(3600.0, 3600.0, 3600.0, 2)


def test_filters_agents_and_local_days(services: Services, seeded: Seeded) -> None:
    replay(services, seeded)
    refresh(services.db)
    monday = d.ReportFilter(date(2026, 3, 30), date(2026, 3, 30))
    with services.db.session() as s:
        m = reports.summary(s, seeded.workspace_id, monday)
        assert m["first_response_time"] == _dur(66600.0, 118440.0, 66600.0, 2)
        rows = {
            r["key"]: r
            for r in reports.breakdown(
                s,
                seeded.workspace_id,
                d.ReportFilter(date(2026, 3, 27), date(2026, 3, 30)),
                by="agent",
            )
        }
        agent2 = reports.summary(
            s,
            seeded.workspace_id,
            d.ReportFilter(date(2026, 3, 27), date(2026, 3, 30), agent_id=seeded.admin_id),
        )
    assert rows[seeded.agent_id]["first_response_time"]["n"] == 3
    assert rows[seeded.agent_id]["human_replies"] == 4
    # The reply after the reassignment is agent 2's; so is the resolution that followed.
    assert agent2["next_reply_time"] == _dur(2400.0, 2400.0, 2400.0, 1)
    assert agent2["time_to_resolution"]["n"] == 1
    assert agent2["conversations_started"] == {"count": 1}


def test_incremental_rollups_equal_the_recomputation(services: Services, seeded: Seeded) -> None:
    desk = replay(services, seeded)
    refresh(services.db)
    with services.db.session() as s:
        assert not behind(s)  # a second refresh is a read, not a write
    assert refresh(services.db) == 0
    desk.inbound("alice", berlin("2026-03-31T09:00:00"))
    with services.db.session() as s:
        assert behind(s)
    assert refresh(services.db) > 0
    with services.db.session() as s:
        assert read_tables(s) == recompute(s)


@pytest.mark.parametrize("hours", list(d.HoursMode))
def test_an_empty_period_has_no_numbers(
    services: Services, seeded: Seeded, hours: d.HoursMode
) -> None:
    m = _summary(services, seeded, hours=hours)
    assert m["first_response_time"] == _dur(None, None, None, 0)
    assert m["csat"]["n"] == 0
    assert m["sla_attainment"]["rate"] is None


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2026, 3, 1), date(2026, 4, 30)), (date(2026, 2, 15), date(2026, 4, 3))],
)
def test_whole_months_read_month_histograms_with_the_same_result(
    services: Services, seeded: Seeded, start: date, end: date
) -> None:
    replay(services, seeded)
    wide = _summary(services, seeded)
    refresh(services.db)
    with services.db.session() as s:
        months = reports.summary(s, seeded.workspace_id, d.ReportFilter(start, end))
    assert months == wide


def test_merging_people_changes_no_metric(services: Services, seeded: Seeded) -> None:
    """Merges join contacts into one person; conversations, and so every metric, stay put
    (a merge event carries no conversation to refold, and none of the replay changes)."""
    desk = replay(services, seeded)
    before = _summary(services, seeded)
    with services.db.session() as s:
        contacts = s.scalars(
            select(Contact).where(Contact.workspace_id == seeded.workspace_id).order_by(Contact.id)
        ).all()
        ids = [c.id for c in contacts[:2]]
    at = berlin("2026-03-30T15:00:00")

    def merge(s: Session) -> None:
        first, second = (s.get_one(Contact, i) for i in ids)
        target = do_ensure_person(s, contact=first, at=at)
        source = do_ensure_person(s, contact=second, at=at)
        do_merge_people(s, workspace_id=desk.workspace_id, target_id=target.id,
                        source_id=source.id, actor_id=seeded.admin_id, at=at)  # fmt: skip

    services.db.write(merge)
    assert _summary(services, seeded) == before
    with services.db.session() as s:
        assert read_tables(s) == recompute(s)
