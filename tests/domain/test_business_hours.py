"""Business hours: hand-computed DST, overnight, holiday and zone cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from dmdesk.domain.business_hours import (
    DatedShift,
    HolidayCalendar,
    Schedule,
    Shift,
    Weekday,
)

WEEKDAYS = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def one_shift(zone: str, day: Weekday, start: time, end: time, **extra: object) -> Schedule:
    return Schedule.model_validate(
        {"timezone": zone, "shifts": [Shift(weekday=day, start=start, end=end)], **extra}
    )


def office(zone: str = "America/New_York", **extra: object) -> Schedule:
    shifts = [Shift(weekday=d, start=time(9), end=time(17)) for d in WEEKDAYS]
    return Schedule.model_validate({"timezone": zone, "shifts": shifts, **extra})


def test_spring_forward_shortens_a_shift_over_the_gap() -> None:
    # New York 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    schedule = one_shift("America/New_York", Weekday.SUN, time(1), time(4))
    spans = schedule.open_intervals(utc(2026, 3, 8), utc(2026, 3, 9))
    assert spans == [(utc(2026, 3, 8, 6), utc(2026, 3, 8, 8))]


def test_a_shift_starting_inside_the_gap_opens_at_the_jump() -> None:
    schedule = one_shift("America/New_York", Weekday.SUN, time(2, 30), time(3, 30))
    spans = schedule.open_intervals(utc(2026, 3, 8), utc(2026, 3, 9))
    assert spans == [(utc(2026, 3, 8, 7), utc(2026, 3, 8, 7, 30))]


def test_fall_back_lengthens_a_shift_over_the_fold() -> None:
    # New York 2026-11-01: 02:00 EDT falls back to 01:00 EST.
    schedule = one_shift("America/New_York", Weekday.SUN, time(0), time(3))
    start, end = utc(2026, 11, 1), utc(2026, 11, 2)
    assert schedule.open_intervals(start, end) == [(utc(2026, 11, 1, 4), utc(2026, 11, 1, 8))]
    assert schedule.business_seconds_between(start, end) == 4 * 3600


def test_a_shift_inside_the_fold_is_open_on_both_passes() -> None:
    schedule = one_shift("America/New_York", Weekday.SUN, time(1), time(1, 30))
    assert schedule.open_intervals(utc(2026, 11, 1), utc(2026, 11, 2)) == [
        (utc(2026, 11, 1, 5), utc(2026, 11, 1, 5, 30)),
        (utc(2026, 11, 1, 6), utc(2026, 11, 1, 6, 30)),
    ]


@pytest.mark.parametrize(
    ("day", "opened", "closed"),
    [
        # Lord Howe ends DST 2026-04-05 02:00 (+11) → 01:30 (+10:30): half an hour repeats.
        (date(2026, 4, 5), utc(2026, 4, 4, 14), utc(2026, 4, 4, 16, 30)),
        # ...and starts it 2026-10-04 02:00 (+10:30) → 02:30 (+11): half an hour vanishes.
        (date(2026, 10, 4), utc(2026, 10, 3, 14, 30), utc(2026, 10, 3, 16)),
    ],
)
def test_lord_howe_half_hour_shifts(day: date, opened: datetime, closed: datetime) -> None:
    schedule = one_shift("Australia/Lord_Howe", Weekday.SUN, time(1), time(3))
    start = datetime.combine(day, time(), UTC) - timedelta(days=1)
    assert schedule.open_intervals(start, start + timedelta(days=2)) == [(opened, closed)]


def test_overnight_shift_across_london_spring_forward() -> None:
    # Sat 2026-03-28 22:00 GMT to Sun 06:00 BST: seven real hours.
    schedule = one_shift("Europe/London", Weekday.SAT, time(22), time(6))
    assert schedule.next_opening(utc(2026, 3, 28, 12)) == utc(2026, 3, 28, 22)
    assert schedule.next_closing(utc(2026, 3, 28, 23)) == utc(2026, 3, 29, 5)
    assert schedule.add_business_seconds(utc(2026, 3, 28, 12), 7 * 3600) == utc(2026, 3, 29, 5)


def test_kolkata_half_hour_offset() -> None:
    schedule = office("Asia/Kolkata")
    assert schedule.open_intervals(utc(2026, 6, 1), utc(2026, 6, 2)) == [
        (utc(2026, 6, 1, 3, 30), utc(2026, 6, 1, 11, 30))
    ]


def test_overnight_shift_is_cut_at_midnight_before_a_closed_date() -> None:
    schedule = one_shift(
        "Europe/Berlin", Weekday.FRI, time(22), time(6), closed_dates=[date(2026, 7, 4)]
    )
    # Fri 2026-07-03 22:00-24:00 CEST only; Saturday is closed.
    assert schedule.open_intervals(utc(2026, 7, 3), utc(2026, 7, 5)) == [
        (utc(2026, 7, 3, 20), utc(2026, 7, 3, 22))
    ]


def test_holiday_calendar_closes_the_day_and_an_exception_reopens_part() -> None:
    calendars = [HolidayCalendar(country="US", subdivision="NY")]
    schedule = office(holiday_calendars=calendars)
    christmas = (utc(2026, 12, 25), utc(2026, 12, 26))
    assert schedule.business_seconds_between(*christmas) == 0
    assert schedule.next_opening(utc(2026, 12, 24, 23)) == utc(2026, 12, 28, 14)
    reopened = office(
        holiday_calendars=calendars,
        open_exceptions=[DatedShift(on=date(2026, 12, 25), start=time(10), end=time(12))],
    )
    assert reopened.open_intervals(*christmas) == [(utc(2026, 12, 25, 15), utc(2026, 12, 25, 17))]


def test_add_business_seconds_ends_at_a_closing_rather_than_the_next_opening() -> None:
    schedule = office()
    assert schedule.add_business_seconds(utc(2026, 6, 5, 20), 3600) == utc(2026, 6, 5, 21)
    assert schedule.add_business_seconds(utc(2026, 6, 5, 20), 3601) == utc(2026, 6, 8, 13, 0, 1)
    assert schedule.add_business_seconds(utc(2026, 6, 6), 0) == utc(2026, 6, 6)


def test_closed_period_key_changes_between_periods() -> None:
    schedule = office()
    friday_night = schedule.current_closed_period(utc(2026, 6, 5, 23))
    sunday = schedule.current_closed_period(utc(2026, 6, 7, 12))
    monday_night = schedule.current_closed_period(utc(2026, 6, 8, 23))
    assert friday_night is not None
    assert sunday is not None
    assert monday_night is not None
    assert friday_night.key == sunday.key
    assert friday_night.end == utc(2026, 6, 8, 13)
    assert monday_night.key != sunday.key
    assert schedule.current_closed_period(utc(2026, 6, 8, 14)) is None


def test_schedules_that_never_open_or_never_close() -> None:
    never = Schedule(timezone="UTC")
    always = Schedule(
        timezone="UTC", shifts=tuple(Shift(weekday=d, start=time(), end=time()) for d in Weekday)
    )
    at = utc(2026, 1, 1)
    assert never.next_opening(at) is None
    assert never.add_business_seconds(at, 60) is None
    assert never.current_closed_period(at) == never.current_closed_period(at + timedelta(days=9))
    assert always.next_closing(at) is None
    assert always.business_seconds_between(at, at + timedelta(days=3)) == 3 * 86400


def test_invalid_input_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Schedule(timezone="Mars/Olympus")
    with pytest.raises(ValidationError):
        HolidayCalendar(country="XX")
    with pytest.raises(ValueError, match="timezone-aware"):
        office().is_open(datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="before start"):
        office().business_seconds_between(utc(2026, 1, 2), utc(2026, 1, 1))
    with pytest.raises(ValueError, match="negative"):
        office().add_business_seconds(utc(2026, 1, 2), -1)
