"""SLA clocks checked minute by minute against a literal replay of the events."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dmdesk.domain.business_hours import Schedule, Shift, Weekday
from dmdesk.domain.enums import ConversationStatus
from dmdesk.domain.sla import (
    ClockState,
    HoursMode,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaTarget,
    TargetClock,
    compute_sla,
)

K = SlaEventKind
MINUTE = timedelta(minutes=1)
SCHEDULES = [
    Schedule(
        timezone="America/New_York",
        shifts=tuple(Shift(weekday=d, start=time(9), end=time(12)) for d in Weekday),
    ),
    Schedule(
        timezone="Europe/London",
        shifts=(
            Shift(weekday=Weekday.SAT, start=time(22), end=time(6)),
            Shift(weekday=Weekday.SUN, start=time(8), end=time(9, 30)),
        ),
    ),
]
# Around London's and New York's 2026 spring-forward weekends.
STARTS = [datetime(2026, 3, 28, 20, tzinfo=UTC), datetime(2026, 3, 8, 5, tzinfo=UTC)]
STATUS = {
    K.INBOUND: ConversationStatus.OPEN,
    K.OPEN: ConversationStatus.OPEN,
    K.REOPENED: ConversationStatus.OPEN,
    K.PENDING: ConversationStatus.PENDING,
    K.SNOOZED: ConversationStatus.SNOOZED,
    K.RESOLVED: ConversationStatus.RESOLVED,
}


@st.composite
def conversations(draw: st.DrawFn) -> tuple[SlaPolicy, Schedule, list[SlaEvent], datetime]:
    index = draw(st.integers(0, 1))
    at, events = STARTS[index], []
    for kind in [K.INBOUND, *draw(st.lists(st.sampled_from(K), max_size=8))]:
        at += draw(st.integers(0, 240)) * MINUTE
        events.append(SlaEvent(at=at, kind=kind))
    target = draw(st.integers(1, 300)) * MINUTE
    policy = SlaPolicy(
        id="p",
        hours=draw(st.sampled_from(HoursMode)),
        warning_fraction=0.5,
        pause_when_snoozed=draw(st.booleans()),
        targets=(
            SlaTarget(
                first_response=target,
                next_response=(target // MINUTE // 2 + 1) * MINUTE,
                resolution=target * 2,
            ),
        ),
    )
    return policy, SCHEDULES[index], events, at + draw(st.integers(0, 600)) * MINUTE


def counts_at(policy: SlaPolicy, schedule: Schedule, events: list[SlaEvent], m: datetime) -> bool:
    status = ConversationStatus.OPEN
    for event in events:
        if event.at <= m:
            status = STATUS.get(event.kind, status)
    active = status is ConversationStatus.OPEN or (
        status is ConversationStatus.SNOOZED and not policy.pause_when_snoozed
    )
    return active and (policy.hours is HoursMode.CALENDAR or schedule.is_open(m))


def check(
    clock: TargetClock | None,
    case: tuple[SlaPolicy, Schedule, list[SlaEvent], datetime],
    stop: datetime | None,
) -> None:
    policy, schedule, events, now = case
    assert clock is not None
    assert clock.stopped_at == stop
    counted, m, due = 0, clock.started_at, None
    while m < (stop or now):
        if counts_at(policy, schedule, events, m):
            counted += 1
            if due is None and counted * MINUTE == clock.target:
                due = m + MINUTE
        m += MINUTE
    assert clock.elapsed == counted * MINUTE
    if due is not None:
        assert clock.due_at == due
        expected = ClockState.BREACHED if due < (stop or now + MINUTE) else ClockState.MET
        assert clock.state is expected
    elif stop is not None:
        assert (clock.state, clock.due_at) == (ClockState.MET, None)
    else:
        paused = not counts_at(policy, schedule, events, now)
        assert (clock.state is ClockState.PAUSED) == paused
        assert clock.due_at is None or clock.due_at > now
    pauses = sum((p.end - p.start for p in clock.paused), timedelta())
    assert pauses + clock.elapsed == (stop or now) - clock.started_at


@settings(max_examples=100, deadline=None, database=None)
@given(conversations())
def test_first_response_and_resolution_match_a_replay(
    case: tuple[SlaPolicy, Schedule, list[SlaEvent], datetime],
) -> None:
    policy, schedule, events, now = case
    report = compute_sla(policy, events, now=now, schedule=schedule)
    first_stop = next((e.at for e in events[1:] if e.kind in (K.REPLY, K.RESOLVED)), None)
    check(report.first_response, case, first_stop)
    final = STATUS.get(next((e.kind for e in reversed(events) if e.kind in STATUS), K.OPEN))
    resolved_at = [e.at for e in events if e.kind is K.RESOLVED]
    check(
        report.resolution, case, resolved_at[-1] if final is ConversationStatus.RESOLVED else None
    )


def response_windows(events: list[SlaEvent]) -> list[tuple[datetime, datetime | None]]:
    """An inbound message starts a response clock unless the last inbound, reply or
    resolve before it was an inbound; the clock stops at the next reply or resolve."""
    windows = []
    for i, event in enumerate(events):
        before = [e.kind for e in events[:i] if e.kind in (K.INBOUND, K.REPLY, K.RESOLVED)]
        if event.kind is K.INBOUND and (not before or before[-1] is not K.INBOUND):
            after = (e.at for e in events[i + 1 :] if e.kind in (K.REPLY, K.RESOLVED))
            windows.append((event.at, next(after, None)))
    return windows


@settings(max_examples=60, deadline=None, database=None)
@given(conversations())
def test_next_response_cycles_match_a_replay(
    case: tuple[SlaPolicy, Schedule, list[SlaEvent], datetime],
) -> None:
    policy, schedule, events, now = case
    report = compute_sla(policy, events, now=now, schedule=schedule)
    first, *cycles = response_windows(events)  # the first event is always an inbound
    assert report.first_response is not None
    assert (report.first_response.started_at, report.first_response.stopped_at) == first
    assert len(report.next_response_cycles) == len(cycles)
    for clock, (start, stop) in zip(report.next_response_cycles, cycles, strict=True):
        assert clock.started_at == start
        check(clock, case, stop)
    assert report.next_response == (report.next_response_cycles or [None])[-1]
