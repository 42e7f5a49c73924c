"""SLA policies and the pure SLA clock: from a conversation's facts to each target's due
time, elapsed time, pauses, state and the instants it warns and breaches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dmdesk.domain.business_hours import Interval, Schedule
from dmdesk.domain.enums import Category, ConversationStatus, Priority


class SlaEventKind(StrEnum):
    INBOUND = "inbound"  # a message from the contact
    REPLY = "reply"  # a reply written by a person on the team; bots and notes don't count
    OPEN = "open"
    PENDING = "pending"  # waiting on the contact
    SNOOZED = "snoozed"
    RESOLVED = "resolved"
    REOPENED = "reopened"


class HoursMode(StrEnum):
    CALENDAR = "calendar"
    BUSINESS = "business"


class TargetKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class ClockState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"


class PauseReason(StrEnum):
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"
    OUTSIDE_HOURS = "outside_hours"


@dataclass(frozen=True)
class SlaEvent:
    at: datetime
    kind: SlaEventKind


class SlaTarget(BaseModel):
    """One row of a policy: targets for conversations of a priority and/or category
    (None matches any). A missing target is not tracked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    priority: Priority | None = None
    category: Category | None = None
    first_response: timedelta | None = None
    next_response: timedelta | None = None
    resolution: timedelta | None = None

    @field_validator("first_response", "next_response", "resolution")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta():
            raise ValueError("a target must be a positive duration")
        return value

    def goal(self, kind: TargetKind) -> timedelta | None:
        return {
            TargetKind.FIRST_RESPONSE: self.first_response,
            TargetKind.NEXT_RESPONSE: self.next_response,
            TargetKind.RESOLUTION: self.resolution,
        }[kind]


class SlaPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str = ""
    hours: HoursMode = HoursMode.BUSINESS
    warning_fraction: float = Field(default=0.75, gt=0, le=1)
    pause_when_snoozed: bool = False
    targets: tuple[SlaTarget, ...] = ()

    def target_for(self, priority: Priority | None, category: Category | None) -> SlaTarget | None:
        """The most specific matching row: priority and category, then priority alone,
        then category alone, then the catch-all; the first listed wins a tie."""

        def rank(row: SlaTarget) -> int:
            return (2 if row.priority else 0) + (1 if row.category else 0)

        matches = [
            row
            for row in self.targets
            if row.priority in (None, priority) and row.category in (None, category)
        ]
        return max(matches, key=rank, default=None)


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime  # the clock's stop, or `now` while still paused
    reason: PauseReason


@dataclass(frozen=True)
class TargetClock:
    """One target's clock. `due_at` and `warning_at` are when elapsed time reaches the
    target and its warning fraction: in the past once reached, else projected from `now`
    while the clock runs, else None (stopped, paused by status, or no opening ahead)."""

    kind: TargetKind
    target: timedelta
    started_at: datetime
    stopped_at: datetime | None
    elapsed: timedelta
    due_at: datetime | None
    warning_at: datetime | None
    state: ClockState
    paused: tuple[Pause, ...]

    @property
    def remaining(self) -> timedelta:
        return self.target - self.elapsed

    @property
    def breached_at(self) -> datetime | None:
        return self.due_at if self.state is ClockState.BREACHED else None


@dataclass(frozen=True)
class SlaReport:
    first_response: TargetClock | None
    next_response: TargetClock | None  # the latest cycle
    next_response_cycles: tuple[TargetClock, ...]
    resolution: TargetClock | None

    @property
    def clocks(self) -> tuple[TargetClock, ...]:
        found = (self.first_response, *self.next_response_cycles, self.resolution)
        return tuple(clock for clock in found if clock is not None)

    def next_wakeup(self, now: datetime) -> datetime | None:
        """The earliest future warning or breach instant: when a job should look again."""
        ahead = [
            instant
            for clock in self.clocks
            if clock.stopped_at is None
            for instant in (clock.warning_at, clock.due_at)
            if instant is not None and instant > now
        ]
        return min(ahead, default=None)


class CrossingKind(StrEnum):
    WARNING = "warning"
    BREACH = "breach"


@dataclass(frozen=True)
class Crossing:
    kind: CrossingKind
    target: TargetKind
    at: datetime


def crossings(report: SlaReport, *, after: datetime, until: datetime) -> list[Crossing]:
    """Warnings and breaches that happened in (after, until], `until` no later than the
    report's `now`: a periodic job whose runs tile time records each exactly once."""
    found = []
    for clock in report.clocks:
        end = clock.stopped_at
        if clock.warning_at and (end is None or clock.warning_at < end):
            found.append(Crossing(CrossingKind.WARNING, clock.kind, clock.warning_at))
        if clock.due_at and (end is None or clock.due_at < end):
            found.append(Crossing(CrossingKind.BREACH, clock.kind, clock.due_at))
    return sorted(
        (c for c in found if after < c.at <= until), key=lambda c: (c.at, c.kind, c.target)
    )


Segment = tuple[datetime, datetime, ConversationStatus]
_STATUS_OF = {
    SlaEventKind.INBOUND: ConversationStatus.OPEN,
    SlaEventKind.OPEN: ConversationStatus.OPEN,
    SlaEventKind.REOPENED: ConversationStatus.OPEN,
    SlaEventKind.PENDING: ConversationStatus.PENDING,
    SlaEventKind.SNOOZED: ConversationStatus.SNOOZED,
    SlaEventKind.RESOLVED: ConversationStatus.RESOLVED,
}
_PAUSE_OF = {
    ConversationStatus.PENDING: PauseReason.PENDING,
    ConversationStatus.SNOOZED: PauseReason.SNOOZED,
    ConversationStatus.RESOLVED: PauseReason.RESOLVED,
}


def compute_sla(
    policy: SlaPolicy,
    events: Sequence[SlaEvent],
    *,
    now: datetime,
    schedule: Schedule | None = None,
    priority: Priority | None = None,
    category: Category | None = None,
) -> SlaReport:
    """Every clock of a conversation as of `now`, from its events in order.

    Starts and stops: first response starts at the first inbound message (unless a reply
    came before it) and stops at the first reply or resolution. After that, an inbound
    message while no response clock runs starts a next-response cycle, stopped the same
    way. Resolution starts at the first inbound message, is stopped while resolved (state
    met) and runs on after a reopen, keeping its elapsed time.

    Pauses: a clock counts time only while the conversation is open; snoozed counts too
    unless `pause_when_snoozed`. Pending (waiting on the contact) pauses every clock until
    an open, reopen or inbound event; an inbound message reopens any status. Business-hours
    policies also count only open time of `schedule`. Targets come from the row matching
    the current priority and category. A stop exactly at the due instant meets the target.
    """
    now = _check(events, now)
    if policy.hours is HoursMode.BUSINESS and schedule is None:
        raise ValueError("a business-hours policy needs a schedule")
    row = policy.target_for(priority, category)
    timeline = _timeline(events, now)
    final = _final_status(events)
    ctx = _Context(policy=policy, schedule=schedule, timeline=timeline, now=now, final=final)
    first, cycles = _response_windows(events)
    resolution = _resolution_window(events, final)
    nexts = [ctx.clock(TargetKind.NEXT_RESPONSE, row, window) for window in cycles]
    next_cycles = tuple(clock for clock in nexts if clock is not None)
    return SlaReport(
        first_response=ctx.clock(TargetKind.FIRST_RESPONSE, row, first),
        next_response=next_cycles[-1] if next_cycles else None,
        next_response_cycles=next_cycles,
        resolution=ctx.clock(TargetKind.RESOLUTION, row, resolution),
    )


Window = tuple[datetime, datetime | None]  # start, stop (None: still running)


def _check(events: Sequence[SlaEvent], now: datetime) -> datetime:
    if now.tzinfo is None or any(event.at.tzinfo is None for event in events):
        raise ValueError("datetimes must be timezone-aware (UTC)")
    instants = [event.at for event in events]
    if instants != sorted(instants):
        raise ValueError("events must be in time order")
    if instants and instants[-1] > now:
        raise ValueError("events must not be after now")
    return now.astimezone(UTC)


def _timeline(events: Sequence[SlaEvent], now: datetime) -> list[Segment]:
    """The conversation's status from its first event until `now`."""
    segments: list[Segment] = []
    status = ConversationStatus.OPEN
    for event, following in zip(events, [*events[1:], None], strict=True):
        status = _STATUS_OF.get(event.kind, status)
        end = following.at if following else now
        if end > event.at:
            segments.append((event.at.astimezone(UTC), end.astimezone(UTC), status))
    return segments


def _response_windows(events: Sequence[SlaEvent]) -> tuple[Window | None, list[Window]]:
    first: Window | None = None
    cycles: list[Window] = []
    running: datetime | None = None
    replied = False
    for event in events:
        if event.kind is SlaEventKind.INBOUND and running is None:
            running = event.at
        elif event.kind in (SlaEventKind.REPLY, SlaEventKind.RESOLVED) and running is not None:
            window = (running, event.at)
            if first is None and not replied:
                first = window
            else:
                cycles.append(window)
            running = None
        replied = replied or event.kind is SlaEventKind.REPLY
    if running is not None:
        if first is None and not replied:
            first = (running, None)
        else:
            cycles.append((running, None))
    return first, cycles


def _final_status(events: Sequence[SlaEvent]) -> ConversationStatus:
    """The status after every event, zero-length moments included."""
    status = ConversationStatus.OPEN
    for event in events:
        status = _STATUS_OF.get(event.kind, status)
    return status


def _resolution_window(events: Sequence[SlaEvent], final: ConversationStatus) -> Window | None:
    start = next((e.at for e in events if e.kind is SlaEventKind.INBOUND), None)
    if start is None:
        return None
    resolved = [e.at for e in events if e.kind is SlaEventKind.RESOLVED and e.at >= start]
    if resolved and final is ConversationStatus.RESOLVED:
        return start, resolved[-1]
    return start, None


@dataclass(frozen=True)
class _Context:
    policy: SlaPolicy
    schedule: Schedule | None
    timeline: list[Segment]
    now: datetime
    final: ConversationStatus  # the status at `now`

    def counts(self, status: ConversationStatus) -> bool:
        if status is ConversationStatus.SNOOZED:
            return not self.policy.pause_when_snoozed
        return status is ConversationStatus.OPEN

    def clock(
        self, kind: TargetKind, row: SlaTarget | None, window: Window | None
    ) -> TargetClock | None:
        goal = row.goal(kind) if row else None
        if goal is None or window is None:
            return None
        start, stop = window[0].astimezone(UTC), window[1] and window[1].astimezone(UTC)
        counted, pauses = self.split(start, stop or self.now)
        running = stop is None and self.counts(self.final)
        due = self.reach(counted, goal, running=running)
        warning = self.reach(counted, goal * self.policy.warning_fraction, running=running)
        return TargetClock(
            kind=kind,
            target=goal,
            started_at=start,
            stopped_at=stop,
            elapsed=sum((b - a for a, b in counted), timedelta()),
            due_at=due,
            warning_at=warning,
            state=self.state(stop, due, warning),
            paused=tuple(pauses),
        )

    def split(self, start: datetime, end: datetime) -> tuple[list[Interval], list[Pause]]:
        """The intervals of [start, end) that count, and the pauses between them."""
        counted: list[Interval] = []
        pauses: list[Pause] = []
        for seg_start, seg_end, status in self.timeline:
            a, b = max(seg_start, start), min(seg_end, end)
            if a >= b:
                continue
            if not self.counts(status):
                pauses.append(Pause(a, b, _PAUSE_OF[status]))
            elif self.policy.hours is HoursMode.CALENDAR or self.schedule is None:
                counted.append((a, b))
            else:
                open_spans = self.schedule.open_intervals(a, b)
                counted.extend(open_spans)
                pauses.extend(
                    Pause(x, y, PauseReason.OUTSIDE_HOURS) for x, y in _gaps(a, b, open_spans)
                )
        return counted, pauses

    def reach(
        self, counted: list[Interval], amount: timedelta, *, running: bool
    ) -> datetime | None:
        """When counted time first reaches `amount`; projected from now while running."""
        total = timedelta()
        for a, b in counted:
            if total + (b - a) >= amount:
                return a + (amount - total)
            total += b - a
        if not running:
            return None
        if self.policy.hours is HoursMode.CALENDAR or self.schedule is None:
            return self.now + (amount - total)
        return self.schedule.add_business_time(self.now, amount - total)

    def state(
        self, stop: datetime | None, due: datetime | None, warning: datetime | None
    ) -> ClockState:
        if stop is not None:
            return ClockState.BREACHED if due is not None and due < stop else ClockState.MET
        if due is not None and due <= self.now:
            return ClockState.BREACHED
        counting = self.counts(self.final) and (
            self.policy.hours is HoursMode.CALENDAR
            or self.schedule is None
            or self.schedule.is_open(self.now)
        )
        if not counting:
            return ClockState.PAUSED
        if warning is not None and warning <= self.now:
            return ClockState.WARNING
        return ClockState.OK


def _gaps(start: datetime, end: datetime, spans: list[Interval]) -> list[Interval]:
    gaps: list[Interval] = []
    cursor = start
    for a, b in spans:
        if a > cursor:
            gaps.append((cursor, a))
        cursor = b
    if cursor < end:
        gaps.append((cursor, end))
    return gaps
