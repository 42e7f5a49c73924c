"""One conversation's events -> its contributions to the rollups (pure, no I/O).

Every metric is a set of contributions (metric, local day, hour, dimensions, value); a
conversation's set is recomputed whole from its events, so reopens, reassignments, late
deletions and out-of-order deliveries all land where docs/METRICS.md says they do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from dmdesk.domain.clock import ensure_utc
from dmdesk.metrics import definitions as d
from dmdesk.metrics.context import ReportClock


@dataclass(frozen=True)
class LogEvent:
    """The fields of an event-log row that metrics read."""

    id: int
    type: str
    occurred_at: datetime
    actor_kind: str
    actor_id: int | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Contribution:
    metric: str
    day: str  # local ISO date
    hour: int
    dims: d.Dims
    value: int

    def as_json(self) -> list[Any]:
        k = self.dims
        return [self.metric, self.day, self.hour, k.channel_id, k.team_id, k.agent_id,
                k.category, self.value]  # fmt: skip

    @staticmethod
    def from_json(row: Sequence[Any]) -> Contribution:
        dims = d.Dims(int(row[3]), int(row[4]), int(row[5]), str(row[6]))
        return Contribution(str(row[0]), str(row[1]), int(row[2]), dims, int(row[7]))


@dataclass
class _Walk:
    clock: ReportClock
    dims: d.Dims
    out: list[Contribution] = field(default_factory=list)
    first_inbound: datetime | None = None
    first_done: bool = False
    waiting_since: datetime | None = None
    cycle_start: datetime | None = None
    resolved: bool = False
    flags: set[str] = field(default_factory=set)

    def add(self, metric: str, at: datetime, value: int = 1, dims: d.Dims | None = None) -> None:
        day, hour = self.clock.local(at)
        self.out.append(Contribution(metric, day.isoformat(), hour, dims or self.dims, value))

    def duration(self, metric: str, start: datetime, stop: datetime, dims: d.Dims) -> None:
        self.add(metric, stop, d.quantize(self.clock.calendar_ms(start, stop)), dims)
        business = d.quantize(self.clock.business_ms(start, stop))
        self.add(metric + d.BUSINESS_SUFFIX, stop, business, dims)


def _when(event: LogEvent) -> datetime:
    sent = event.data.get("sent_at") if event.type == "message.created" else None
    return ensure_utc(datetime.fromisoformat(sent)) if isinstance(sent, str) else event.occurred_at


def _category(events: Iterable[LogEvent]) -> str:
    found = d.NONE_CATEGORY
    for e in events:
        if e.type == "conversation.category_corrected" and e.data.get("to"):
            found = str(e.data["to"])
        elif isinstance(e.data.get("category"), str) and e.type.startswith("conversation."):
            found = str(e.data["category"])
    return found[:32]


def _channel(events: Iterable[LogEvent]) -> int:
    for e in events:
        if isinstance(e.data.get("channel_id"), int):
            return int(e.data["channel_id"])
    return d.NONE_ID


def _id_or_none(value: object) -> int:
    return value if isinstance(value, int) else d.NONE_ID


def _on_inbound(w: _Walk, at: datetime) -> None:
    w.add(d.INBOUND, at)
    if w.first_inbound is None:
        w.first_inbound = at
    if w.waiting_since is None:
        w.waiting_since = at
    if w.cycle_start is None:
        w.cycle_start = at
    w.resolved = False


def _on_human_reply(w: _Walk, event: LogEvent, at: datetime) -> None:
    # The replier gets the credit; a platform echo has no user, so the assignee does.
    agent = event.actor_id if event.actor_kind == "user" and event.actor_id else None
    dims = replace(w.dims, agent_id=agent) if agent else w.dims
    w.add(d.HUMAN_REPLIES, at, dims=dims)
    if w.first_inbound is not None and not w.first_done:
        w.duration(d.FIRST_RESPONSE, w.first_inbound, at, dims)
        w.first_done = True
    elif w.waiting_since is not None and w.first_done:
        w.duration(d.NEXT_REPLY, w.waiting_since, at, dims)
    w.waiting_since = None


def _on_message(w: _Walk, event: LogEvent, at: datetime) -> None:
    if event.data.get("direction") == "inbound":
        _on_inbound(w, at)
    elif event.data.get("author_kind") == "agent":
        _on_human_reply(w, event, at)
    # Bot and system messages stop no clock: they are not a person answering.


def _on_resolved(w: _Walk, at: datetime) -> None:
    if w.cycle_start is not None:
        w.duration(d.RESOLUTION, w.cycle_start, at, w.dims)
    w.cycle_start = None
    w.waiting_since = None
    w.resolved = True


def _on_other(w: _Walk, event: LogEvent, at: datetime) -> None:
    kind, data = event.type, event.data
    if kind == "conversation.assigned":
        w.dims = replace(w.dims, agent_id=_id_or_none(data.get("to")))
    elif kind == "conversation.team_changed":
        w.dims = replace(w.dims, team_id=_id_or_none(data.get("to")))
    elif kind == "conversation.resolved":
        _on_resolved(w, at)
    elif kind in ("conversation.reopened", "conversation.opened"):
        w.resolved = False
    elif kind == "csat.recorded":
        score = data.get("score")
        if isinstance(score, int) and 1 <= score <= 5:
            w.add(d.CSAT, at, score)
    elif kind == "conversion.recorded":
        w.flags.add(d.CONVERTED)
        w.add(d.CONVERSION_VALUE, at, _cents(data.get("value")))
    elif kind == "lead.qualified":
        w.flags.add(d.QUALIFIED)
    elif kind == "conversation.escalated":
        w.flags.add(d.ESCALATED)
    elif kind.startswith("sla."):
        w.flags.add(d.SLA_TRACKED)
        if kind == "sla.breached":
            w.flags.add("sla_breached")


def _cents(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0
    try:
        return round(float(value) * 100)
    except ValueError:
        return 0


def _outcomes(w: _Walk) -> None:
    """Conversation-level outcomes, filed on the day of the first inbound message."""
    if w.first_inbound is None:
        return
    at = w.first_inbound
    w.add(d.STARTED, at)
    if w.resolved:
        w.add(d.COMPLETED, at)
    for flag in (d.QUALIFIED, d.CONVERTED, d.ESCALATED):
        if flag in w.flags:
            w.add(flag, at)
    # Every conversation is measured against the SLA; reports show the figure only where
    # the workspace uses SLAs (the SLA engine logs warnings and breaches, not "met").
    w.add(d.SLA_TRACKED, at)
    if "sla_breached" not in w.flags:
        w.add(d.SLA_ATTAINED, at)


def conversation_contributions(
    events: Sequence[LogEvent], clock: ReportClock
) -> list[Contribution]:
    """Everything one conversation adds to the rollups, from its events (any order)."""
    deleted = {e.data.get("message_id") for e in events if e.type == "message.deleted"}
    walk = _Walk(clock=clock, dims=d.Dims(_channel(events), category=_category(events)))
    timeline = sorted(((_when(e), e.id, e) for e in events), key=lambda t: (t[0], t[1]))
    for at, _id, event in timeline:
        if event.type == "message.created":
            if event.data.get("message_id") not in deleted:
                _on_message(walk, event, at)
        else:
            _on_other(walk, event, at)
    _outcomes(walk)  # with the dimensions the conversation ended up with
    return walk.out
