"""SLA clocks: hand-computed starts, stops, pauses, warnings and breaches."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from dmdesk.domain.business_hours import Schedule, Shift, Weekday
from dmdesk.domain.enums import Category, Priority
from dmdesk.domain.sla import (
    ClockState,
    CrossingKind,
    HoursMode,
    Pause,
    PauseReason,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaReport,
    SlaTarget,
    TargetKind,
    compute_sla,
    crossings,
)

K = SlaEventKind
DAY = datetime(2026, 6, 3, tzinfo=UTC)  # a Wednesday
NEW_YORK_OFFICE = Schedule(
    timezone="America/New_York",
    shifts=tuple(
        Shift(weekday=d, start=time(9), end=time(17))
        for d in (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
    ),
)


def at(hour: int, minute: int = 0, *, day: datetime = DAY) -> datetime:
    return day + timedelta(hours=hour, minutes=minute)


def mins(n: float) -> timedelta:
    return timedelta(minutes=n)


def policy(hours: HoursMode = HoursMode.CALENDAR, **targets: timedelta) -> SlaPolicy:
    return SlaPolicy(id="p", hours=hours, warning_fraction=0.5, targets=(SlaTarget(**targets),))


def run(events: list[tuple[datetime, SlaEventKind]], now: datetime, sla: SlaPolicy) -> SlaReport:
    facts = [SlaEvent(at=when, kind=kind) for when, kind in events]
    return compute_sla(sla, facts, now=now, schedule=NEW_YORK_OFFICE)


def test_pending_pauses_first_response_and_resolution() -> None:
    events = [
        (at(10), K.INBOUND),
        (at(10, 20), K.PENDING),
        (at(10, 50), K.OPEN),
        (at(11), K.REPLY),
        (at(12), K.RESOLVED),
    ]
    report = run(events, at(13), policy(first_response=mins(60), resolution=mins(240)))
    first, resolution = report.first_response, report.resolution
    assert first is not None
    assert resolution is not None
    assert (first.state, first.elapsed, first.stopped_at) == (ClockState.MET, mins(30), at(11))
    assert first.paused == (Pause(at(10, 20), at(10, 50), PauseReason.PENDING),)
    assert first.due_at is None
    assert first.warning_at == at(11)
    assert (resolution.state, resolution.elapsed, resolution.remaining) == (
        ClockState.MET,
        mins(90),
        mins(150),
    )
    assert report.next_response is None


@pytest.mark.parametrize(
    ("now", "state", "elapsed"),
    [
        (at(10, 29), ClockState.OK, mins(29)),
        (at(10, 30), ClockState.WARNING, mins(30)),
        (at(10, 59), ClockState.WARNING, mins(59)),
        (at(11), ClockState.BREACHED, mins(60)),
        (at(12), ClockState.BREACHED, mins(120)),
    ],
)
def test_running_clock_warns_then_breaches(
    now: datetime, state: ClockState, elapsed: timedelta
) -> None:
    first = run([(at(10), K.INBOUND)], now, policy(first_response=mins(60))).first_response
    assert first is not None
    assert (first.state, first.elapsed) == (state, elapsed)
    assert (first.warning_at, first.due_at) == (at(10, 30), at(11))


def test_a_reply_at_the_due_instant_meets_and_one_later_breaches() -> None:
    sla = policy(first_response=mins(60))
    on_time = run([(at(10), K.INBOUND), (at(11), K.REPLY)], at(12), sla).first_response
    late = run([(at(10), K.INBOUND), (at(11, 1), K.REPLY)], at(12), sla).first_response
    assert on_time is not None
    assert late is not None
    assert on_time.state is ClockState.MET
    assert (late.state, late.breached_at, late.elapsed) == (ClockState.BREACHED, at(11), mins(61))


def test_waiting_on_the_contact_pauses_until_they_write() -> None:
    sla = policy(first_response=mins(60))
    events = [(at(10), K.INBOUND), (at(10, 10), K.PENDING)]
    paused = run(events, at(12), sla).first_response
    assert paused is not None
    assert (paused.state, paused.elapsed, paused.due_at, paused.warning_at) == (
        ClockState.PAUSED,
        mins(10),
        None,
        None,
    )
    assert paused.paused == (Pause(at(10, 10), at(12), PauseReason.PENDING),)
    resumed = run([*events, (at(12), K.INBOUND)], at(12, 30), sla).first_response
    assert resumed is not None
    assert (resumed.state, resumed.elapsed) == (ClockState.WARNING, mins(40))
    assert (resumed.warning_at, resumed.due_at) == (at(12, 20), at(12, 50))


def test_business_hours_pause_overnight_and_over_the_weekend() -> None:
    friday = datetime(2026, 6, 5, tzinfo=UTC)  # office is 13:00-21:00 UTC (EDT)
    saturday, monday = friday + timedelta(days=1), friday + timedelta(days=3)
    sla = policy(HoursMode.BUSINESS, first_response=mins(60))
    events = [(at(20, 30, day=friday), K.INBOUND)]
    waiting = run(events, at(12, day=saturday), sla).first_response
    assert waiting is not None
    assert (waiting.state, waiting.elapsed) == (ClockState.PAUSED, mins(30))
    assert waiting.warning_at == at(21, day=friday)
    assert waiting.due_at == at(13, 30, day=monday)
    assert waiting.paused == (
        Pause(at(21, day=friday), at(12, day=saturday), PauseReason.OUTSIDE_HOURS),
    )
    answered = run([*events, (at(13, 20, day=monday), K.REPLY)], at(14, day=monday), sla)
    assert answered.first_response is not None
    assert (answered.first_response.state, answered.first_response.elapsed) == (
        ClockState.MET,
        mins(50),
    )


def test_next_response_cycles_start_at_the_first_unanswered_message() -> None:
    events = [
        (at(10), K.INBOUND),
        (at(10, 5), K.REPLY),
        (at(11), K.INBOUND),
        (at(11, 10), K.INBOUND),
        (at(11, 45), K.REPLY),
        (at(12), K.INBOUND),
    ]
    report = run(events, at(12, 10), policy(first_response=mins(60), next_response=mins(30)))
    late, current = report.next_response_cycles
    assert (late.started_at, late.stopped_at, late.state) == (
        at(11),
        at(11, 45),
        ClockState.BREACHED,
    )
    assert late.breached_at == at(11, 30)
    assert report.next_response == current
    assert (current.started_at, current.state, current.due_at) == (
        at(12),
        ClockState.OK,
        at(12, 30),
    )
    assert report.next_wakeup(at(12, 10)) == at(12, 15)


def test_resolution_keeps_its_elapsed_time_across_a_reopen() -> None:
    sla = policy(resolution=mins(180))
    events = [(at(10), K.INBOUND), (at(11), K.RESOLVED), (at(13), K.REOPENED)]
    reopened = run(events, at(14), sla).resolution
    assert reopened is not None
    assert (reopened.state, reopened.elapsed) == (ClockState.WARNING, mins(120))
    assert (reopened.warning_at, reopened.due_at) == (at(13, 30), at(15))
    assert reopened.paused == (Pause(at(11), at(13), PauseReason.RESOLVED),)
    done = run([*events, (at(14, 30), K.RESOLVED)], at(16), sla).resolution
    assert done is not None
    assert (done.state, done.elapsed, done.stopped_at) == (ClockState.MET, mins(150), at(14, 30))


def test_an_inbound_message_reopens_a_resolved_conversation() -> None:
    sla = policy(next_response=mins(30), resolution=mins(180))
    events = [(at(10), K.INBOUND), (at(10, 5), K.REPLY), (at(10, 6), K.RESOLVED)]
    report = run([*events, (at(12), K.INBOUND)], at(12, 10), sla)
    assert report.resolution is not None
    assert report.resolution.stopped_at is None
    assert report.resolution.elapsed == mins(16)
    assert report.next_response is not None
    assert report.next_response.started_at == at(12)


def test_resolving_without_a_reply_stops_the_first_response_clock() -> None:
    sla = policy(first_response=mins(60))
    first = run([(at(10), K.INBOUND), (at(10, 30), K.RESOLVED)], at(12), sla).first_response
    assert first is not None
    assert (first.state, first.stopped_at) == (ClockState.MET, at(10, 30))


@pytest.mark.parametrize(("pause", "elapsed"), [(False, mins(60)), (True, mins(10))])
def test_snoozing_pauses_only_when_the_policy_says_so(pause: bool, elapsed: timedelta) -> None:
    sla = policy(first_response=mins(120)).model_copy(update={"pause_when_snoozed": pause})
    events = [(at(10), K.INBOUND), (at(10, 10), K.SNOOZED)]
    first = run(events, at(11), sla).first_response
    assert first is not None
    assert first.elapsed == elapsed


def test_the_most_specific_target_row_applies() -> None:
    rows = (
        SlaTarget(first_response=mins(240)),
        SlaTarget(category=Category.COMPLAINT, first_response=mins(60)),
        SlaTarget(priority=Priority.URGENT, first_response=mins(15)),
        SlaTarget(priority=Priority.URGENT, category=Category.SALES, first_response=mins(30)),
    )
    sla = SlaPolicy(id="p", targets=rows)
    assert sla.target_for(Priority.URGENT, Category.SALES) == rows[3]
    assert sla.target_for(Priority.URGENT, Category.COMPLAINT) == rows[2]
    assert sla.target_for(Priority.LOW, Category.COMPLAINT) == rows[1]
    assert sla.target_for(None, None) == rows[0]
    assert SlaPolicy(id="empty").target_for(Priority.LOW, None) is None
    assert SlaPolicy.model_validate_json(sla.model_dump_json()) == sla


def test_invalid_input_is_rejected() -> None:
    sla = policy(first_response=mins(60))
    with pytest.raises(ValueError, match="time order"):
        run([(at(11), K.INBOUND), (at(10), K.REPLY)], at(12), sla)
    with pytest.raises(ValueError, match="after now"):
        run([(at(11), K.INBOUND)], at(10), sla)
    with pytest.raises(ValueError, match="needs a schedule"):
        compute_sla(policy(HoursMode.BUSINESS), [], now=at(10))
    with pytest.raises(ValueError, match="positive"):
        SlaTarget(first_response=timedelta())


def test_crossings_report_each_warning_and_breach_once() -> None:
    events = [(at(10), K.INBOUND), (at(10, 20), K.REPLY), (at(11), K.INBOUND)]
    sla = policy(first_response=mins(60), next_response=mins(30), resolution=mins(240))
    report = run(events, at(12), sla)
    every = crossings(report, after=at(9), until=at(12))
    assert [(c.kind, c.target, c.at) for c in every] == [
        (CrossingKind.WARNING, TargetKind.NEXT_RESPONSE, at(11, 15)),
        (CrossingKind.BREACH, TargetKind.NEXT_RESPONSE, at(11, 30)),
        (CrossingKind.WARNING, TargetKind.RESOLUTION, at(12)),
    ]
    halves = crossings(report, after=at(9), until=at(11, 20)) + crossings(
        report, after=at(11, 20), until=at(12)
    )
    assert halves == every


def test_business_clock_across_an_overnight_shift_and_a_dst_change() -> None:
    # Sat 22:00 → Sun 06:00 London; the clocks go forward on Sun 2026-03-29 at 01:00 GMT,
    # so that night holds 7 working hours (22:00-05:00 UTC) and the next begins at 21:00 UTC.
    night = Schedule(
        timezone="Europe/London",
        shifts=(Shift(weekday=Weekday.SAT, start=time(22), end=time(6)),),
    )
    saturday = datetime(2026, 3, 28, tzinfo=UTC)
    sla = policy(HoursMode.BUSINESS, first_response=mins(8 * 60))
    events = [SlaEvent(at=at(21, day=saturday), kind=K.INBOUND)]
    first = compute_sla(sla, events, now=at(12, day=saturday + timedelta(days=1)), schedule=night)
    assert first.first_response is not None
    assert first.first_response.elapsed == mins(7 * 60)
    assert first.first_response.warning_at == at(2, day=saturday + timedelta(days=1))
    assert first.first_response.due_at == at(22, day=saturday + timedelta(days=7))
    assert first.first_response.state is ClockState.PAUSED
