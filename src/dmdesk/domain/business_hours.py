"""Business hours: weekly shifts on a zone's wall clock, holidays and closures, and the
arithmetic of open time (is it open, when does it open or close, how much open time)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator

Interval = tuple[datetime, datetime]

DAY = timedelta(days=1)
# Searches give up after this much time with no open (or no closed) instant at all.
SEARCH_HORIZON = timedelta(days=800)
_WINDOW = timedelta(days=14)
# Every real zone keeps an offset for far longer than this, so probing this often finds
# every transition (tzdata has none closer than a few weeks apart since 1970).
_OFFSET_PROBE = timedelta(hours=3)
_TICK = timedelta(microseconds=1)


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as `date.weekday()` counts."""
        return list(Weekday).index(self)


def _span(start: time, end: time) -> timedelta:
    """End at or before start means the shift ends on the next day (equal: 24 hours)."""
    begin = timedelta(hours=start.hour, minutes=start.minute, seconds=start.second)
    finish = timedelta(hours=end.hour, minutes=end.minute, seconds=end.second)
    return finish - begin if finish > begin else finish - begin + DAY


def _naive_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("shift times are wall-clock times and carry no zone")
    return value


WallTime = Annotated[time, AfterValidator(_naive_time)]


class Shift(BaseModel):
    """A weekly open interval on the schedule's wall clock, e.g. fri 22:00 → 06:00 (sat)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weekday: Weekday
    start: WallTime
    end: WallTime

    @property
    def duration(self) -> timedelta:
        return _span(self.start, self.end)


class DatedShift(BaseModel):
    """An extra opening on one local date; it wins over holidays and closed dates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date
    start: WallTime
    end: WallTime

    @property
    def duration(self) -> timedelta:
        return _span(self.start, self.end)


class HolidayCalendar(BaseModel):
    """Public holidays from the `holidays` package, e.g. country "US", subdivision "NY"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str
    subdivision: str | None = None

    @model_validator(mode="after")
    def _known_calendar(self) -> HolidayCalendar:
        try:
            _holiday_dates(self.country, self.subdivision, 2024)
        except NotImplementedError as exc:
            where = f"{self.country}/{self.subdivision}" if self.subdivision else self.country
            raise ValueError(f"unknown holiday calendar {where!r}") from exc
        return self


@functools.lru_cache(maxsize=512)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    # Some calendars warn for years outside their data (India: 2001-2035); a missing year
    # simply has no known holidays, which is no reason to fail. Cached, so this is rare.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
        return frozenset(calendar.keys())


@dataclass(frozen=True)
class ClosedPeriod:
    """A stretch of closed time; `key` is the same for every instant inside it, so an
    after-hours auto-reply can be sent once per conversation per closed period."""

    start: datetime | None  # None: closed for as far back as the search looks
    end: datetime | None  # None: no opening within the search horizon

    @property
    def key(self) -> str:
        return "closed:" + (self.start.isoformat() if self.start else "always")


class Schedule(BaseModel):
    """Open whenever the zone's wall clock shows a time inside a shift, except on closed
    local dates (holidays, `closed_dates`), plus any `open_exceptions`.

    In a fall-back fold the wall clock repeats an hour, so a shift covering it is open for
    both passes; in a spring-forward gap the skipped wall times never happen. Datetimes
    in and out are UTC-aware; naive ones are rejected.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str
    shifts: tuple[Shift, ...] = ()
    holiday_calendars: tuple[HolidayCalendar, ...] = ()
    closed_dates: tuple[date, ...] = ()
    open_exceptions: tuple[DatedShift, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, at: datetime) -> bool:
        at = _utc(at)
        spans = _open_utc(self, at, at + _TICK)
        return bool(spans)

    def open_intervals(self, start: datetime, end: datetime) -> list[Interval]:
        """Merged open intervals within [start, end), in UTC."""
        return _open_utc(self, _utc(start), _utc(end))

    def next_opening(self, at: datetime) -> datetime | None:
        """The first open instant at or after `at` (`at` itself when open)."""
        return next((a for a, _ in _forward(self, _utc(at))), None)

    def next_closing(self, at: datetime) -> datetime | None:
        """The first closed instant at or after `at` (`at` itself when closed); None when
        open without a break for the whole search horizon."""
        return _next_closing(self, _utc(at))

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        start, end = _utc(start), _utc(end)
        if end < start:
            raise ValueError("end is before start")
        return sum((b - a for a, b in _open_utc(self, start, end)), timedelta())

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        return self.business_time_between(start, end).total_seconds()

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime | None:
        """The earliest instant with `amount` of open time since `start`; None if the
        schedule stops opening first."""
        return _add(self, _utc(start), amount)

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime | None:
        return _add(self, _utc(start), timedelta(seconds=seconds))

    def current_closed_period(self, at: datetime) -> ClosedPeriod | None:
        """The closed period containing `at`, or None while open."""
        at = _utc(at)
        if self.is_open(at):
            return None
        previous = next((b for _, b in _backward(self, at)), None)
        return ClosedPeriod(start=previous, end=self.next_opening(at))


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return value.astimezone(UTC)


def _merge(spans: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _subtract(spans: list[Interval], holes: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in spans:
        cursor = a
        for h0, h1 in holes:
            if h1 <= cursor or h0 >= b:
                continue
            if h0 > cursor:
                out.append((cursor, h0))
            cursor = max(cursor, h1)
        if cursor < b:
            out.append((cursor, b))
    return out


def _clip(spans: Iterable[Interval], lo: datetime, hi: datetime) -> list[Interval]:
    return [(max(a, lo), min(b, hi)) for a, b in spans if b > lo and a < hi]


def _closed_day(schedule: Schedule, day: date, closed: frozenset[date]) -> bool:
    if day in closed:
        return True
    return any(
        day in _holiday_dates(cal.country, cal.subdivision, day.year)
        for cal in schedule.holiday_calendars
    )


def _wall_open(schedule: Schedule, lo: datetime, hi: datetime) -> list[Interval]:
    """Open intervals of naive wall-clock time within [lo, hi)."""
    closed = frozenset(schedule.closed_dates)
    shifts: list[Interval] = []
    holes: list[Interval] = []
    # Shifts last at most a day, so starting a day early catches overnight ones.
    day, last = lo.date() - DAY, hi.date()
    while day <= last:
        midnight = datetime.combine(day, time())
        if _closed_day(schedule, day, closed):
            holes.append((midnight, midnight + DAY))
        for shift in schedule.shifts:
            if shift.weekday.number == day.weekday():
                begin = datetime.combine(day, shift.start)
                shifts.append((begin, begin + shift.duration))
        day += DAY
    extras = [
        (datetime.combine(x.on, x.start), datetime.combine(x.on, x.start) + x.duration)
        for x in schedule.open_exceptions
        if lo.date() - DAY <= x.on <= last
    ]
    return _clip(_merge(_subtract(_merge(shifts), holes) + extras), lo, hi)


def _offset(zone: ZoneInfo, at: datetime) -> timedelta:
    offset = at.astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always knows the offset of an aware instant
    return offset


def _offset_segments(zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[Interval]:
    """Split [start, end) where the zone's UTC offset changes."""
    cursor = start
    while cursor < end:
        offset = _offset(zone, cursor)
        lo, hi = cursor, min(cursor + _OFFSET_PROBE, end)
        while hi < end and _offset(zone, hi) == offset:
            lo, hi = hi, min(hi + _OFFSET_PROBE, end)
        if _offset(zone, hi) == offset:
            yield cursor, end
            return
        # Invariant: `lo` has the old offset and `hi` a new one; close in on the change.
        while hi - lo > _TICK:
            mid = lo + (hi - lo) // 2
            lo, hi = (mid, hi) if _offset(zone, mid) == offset else (lo, mid)
        yield cursor, hi
        cursor = hi


def _open_utc(schedule: Schedule, start: datetime, end: datetime) -> list[Interval]:
    zone, spans = schedule.zone, []
    for seg_start, seg_end in _offset_segments(zone, start, end):
        offset = _offset(zone, seg_start)
        wall_lo = (seg_start + offset).replace(tzinfo=None)
        wall_hi = (seg_end + offset).replace(tzinfo=None)
        for a, b in _wall_open(schedule, wall_lo, wall_hi):
            spans.append(((a - offset).replace(tzinfo=UTC), (b - offset).replace(tzinfo=UTC)))
    return _merge(spans)


def _forward(schedule: Schedule, start: datetime) -> Iterator[Interval]:
    """Open intervals from `start` on (split at window edges), until a whole horizon
    passes without any."""
    cursor, last_seen = start, start
    while cursor - last_seen < SEARCH_HORIZON:
        spans = _open_utc(schedule, cursor, cursor + _WINDOW)
        if spans:
            last_seen = spans[-1][1]
        yield from spans
        cursor += _WINDOW


def _backward(schedule: Schedule, end: datetime) -> Iterator[Interval]:
    """Open intervals before `end`, latest first, until a horizon passes without any."""
    cursor, last_seen = end, end
    while last_seen - cursor < SEARCH_HORIZON:
        spans = _open_utc(schedule, cursor - _WINDOW, cursor)
        if spans:
            last_seen = spans[0][0]
        yield from reversed(spans)
        cursor -= _WINDOW


def _next_closing(schedule: Schedule, at: datetime) -> datetime | None:
    reach = at
    for a, b in _forward(schedule, at):
        if a > reach:
            return reach
        reach = b
        if reach - at > SEARCH_HORIZON:
            return None
    return reach


def _add(schedule: Schedule, start: datetime, amount: timedelta) -> datetime | None:
    if amount < timedelta():
        raise ValueError("amount must not be negative")
    if not amount:
        return start
    remaining = amount
    for a, b in _forward(schedule, start):
        if b - a >= remaining:
            return a + remaining
        remaining -= b - a
    return None
