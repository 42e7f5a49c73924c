"""Business-hours arithmetic checked against a brute-force, minute-by-minute reference."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmdesk.domain.business_hours import (
    DatedShift,
    HolidayCalendar,
    Schedule,
    Shift,
    Weekday,
)

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Europe/Berlin",
    "Pacific/Auckland",
    "UTC",
]
CALENDARS = [("GB", None), ("US", "NY"), ("AU", "NSW"), ("IN", None), ("DE", "BY")]
MINUTE = timedelta(minutes=1)
PROPERTY = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@functools.cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """Instants (to the hour) around which the zone's offset changes, 2025-2027."""
    zone, found = ZoneInfo(zone_name), []
    at = datetime(2025, 1, 1, tzinfo=UTC)
    previous = at.astimezone(zone).utcoffset()
    while at.year < 2028:
        offset = at.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(at)
        previous, at = offset, at + timedelta(hours=1)
    return tuple(found) or (datetime(2026, 3, 29, tzinfo=UTC),)


def wall_times(minute_step: int = 30) -> st.SearchStrategy[time]:
    return st.integers(0, 24 * 60 // minute_step - 1).map(
        lambda n: time(n * minute_step // 60, n * minute_step % 60)
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Schedule, datetime, datetime]:
    zone = draw(st.sampled_from(ZONES))
    pivot = draw(st.sampled_from(transitions(zone)))
    start = pivot + draw(st.integers(-3 * 24 * 60, 24 * 60)) * MINUTE
    end = start + draw(st.integers(0, 4 * 24 * 60)) * MINUTE
    step = draw(st.sampled_from([30, 30, 15, 1]))
    shift = st.builds(
        Shift, weekday=st.sampled_from(Weekday), start=wall_times(step), end=wall_times(step)
    )
    near = st.integers(-2, 5).map(lambda d: start.date() + timedelta(days=d))
    extra = st.builds(DatedShift, on=near, start=wall_times(step), end=wall_times(step))
    calendars = st.lists(st.sampled_from(CALENDARS), max_size=1).map(
        lambda cs: tuple(HolidayCalendar(country=c, subdivision=s) for c, s in cs)
    )
    schedule = Schedule(
        timezone=zone,
        shifts=tuple(draw(st.lists(shift, max_size=8))),
        holiday_calendars=draw(calendars),
        closed_dates=tuple(draw(st.lists(near, max_size=2))),
        open_exceptions=tuple(draw(st.lists(extra, max_size=2))),
    )
    return schedule, start, end


@functools.cache
def holiday_set(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def reference_open(schedule: Schedule, at: datetime) -> bool:
    """Open iff the wall clock reads a time inside a shift on a non-closed date, or
    inside an open exception: checked literally, one instant at a time."""
    wall = at.astimezone(ZoneInfo(schedule.timezone)).replace(tzinfo=None)
    for extra in schedule.open_exceptions:
        begin = datetime.combine(extra.on, extra.start)
        if begin <= wall < begin + extra.duration:
            return True
    if wall.date() in schedule.closed_dates or any(
        wall.date() in holiday_set(c.country, c.subdivision, wall.year)
        for c in schedule.holiday_calendars
    ):
        return False
    for day in (wall.date(), wall.date() - timedelta(days=1)):
        for shift in schedule.shifts:
            begin = datetime.combine(day, shift.start)
            if shift.weekday.number == day.weekday() and begin <= wall < begin + shift.duration:
                return True
    return False


def open_minutes(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    minutes, at = [], start
    while at < end:
        if reference_open(schedule, at):
            minutes.append(at)
        at += MINUTE
    return minutes


@PROPERTY
@given(scenarios())
def test_business_time_matches_minute_count(case: tuple[Schedule, datetime, datetime]) -> None:
    schedule, start, end = case
    expected = len(open_minutes(schedule, start, end)) * 60
    assert schedule.business_seconds_between(start, end) == expected


@PROPERTY
@given(scenarios(), st.data())
def test_is_open_matches_reference(
    case: tuple[Schedule, datetime, datetime], data: st.DataObject
) -> None:
    schedule, start, _ = case
    for _ in range(20):
        at = start + data.draw(st.integers(0, 4 * 24 * 60)) * MINUTE
        assert schedule.is_open(at) == reference_open(schedule, at), at


@PROPERTY
@given(scenarios(), st.data())
def test_add_business_seconds_matches_walk(
    case: tuple[Schedule, datetime, datetime], data: st.DataObject
) -> None:
    schedule, start, end = case
    minutes = open_minutes(schedule, start, end)
    count = data.draw(st.integers(0, len(minutes)))
    expected = minutes[count - 1] + MINUTE if count else start
    result = schedule.add_business_seconds(start, count * 60)
    assert result == expected
    assert schedule.business_seconds_between(start, expected) == count * 60


@PROPERTY
@given(scenarios())
def test_next_opening_and_closing_match_reference(
    case: tuple[Schedule, datetime, datetime],
) -> None:
    schedule, start, end = case
    minutes = [start + n * MINUTE for n in range((end - start) // MINUTE)]
    opening = next((t for t in minutes if reference_open(schedule, t)), None)
    closing = next((t for t in minutes if not reference_open(schedule, t)), None)
    for found, expected in (
        (schedule.next_opening(start), opening),
        (schedule.next_closing(start), closing),
    ):
        if expected is None:
            assert found is None or found >= end
        else:
            assert found == expected


@PROPERTY
@given(scenarios(), st.data())
def test_closed_period_key_is_stable_inside_a_period(
    case: tuple[Schedule, datetime, datetime], data: st.DataObject
) -> None:
    schedule, start, _ = case
    at = start + data.draw(st.integers(0, 4 * 24 * 60)) * MINUTE
    period = schedule.current_closed_period(at)
    if period is None:
        assert schedule.is_open(at)
        return
    assert period.start is None or (
        period.start <= at and reference_open(schedule, period.start - MINUTE)
    )
    later = at + data.draw(st.integers(0, 600)) * MINUTE
    if period.end is None or later < period.end:
        again = schedule.current_closed_period(later)
        assert again is not None
        assert again.key == period.key
    if period.end is not None:
        assert schedule.current_closed_period(period.end) is None


@PROPERTY
@given(scenarios())
def test_schedule_round_trips_through_json(case: tuple[Schedule, datetime, datetime]) -> None:
    schedule, _, _ = case
    assert Schedule.model_validate_json(schedule.model_dump_json()) == schedule


def test_reference_sees_holidays() -> None:
    schedule = Schedule(timezone="UTC", holiday_calendars=(HolidayCalendar(country="GB"),))
    assert date(2026, 12, 25) in holidays.country_holidays("GB")
    assert not reference_open(schedule, datetime(2026, 12, 25, 12, tzinfo=UTC))
