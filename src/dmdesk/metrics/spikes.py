"""Spike detection: inbound DMs per channel in an hour against the usual level for that
hour of the week (median and MAD of the same local hour over the previous weeks).

An hour is a spike when its count reaches `min_count` and exceeds
median + k * max(1.4826 * MAD, 1); 1.4826 * MAD estimates the standard deviation of
normal data, and the floor of 1 keeps a flat history from flagging every small bump.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.metrics import definitions as d
from dmdesk.metrics.context import clock_of
from dmdesk.metrics.drivers import window_drivers
from dmdesk.metrics.rollups import fold_all
from dmdesk.metrics.service import HasDb
from dmdesk.models import Event, Workspace
from dmdesk.models.metrics import MetricHourly

SPIKE_EVENT = "spike.detected"


@dataclass(frozen=True)
class SpikeRule:
    weeks: int = 6
    k: float = 3.0
    min_count: int = 5


@dataclass(frozen=True)
class Spike:
    channel_id: int
    day: date  # local
    hour: int  # local
    starts_at: datetime
    count: int
    usual: float  # the median of the same hour in previous weeks
    mad: float
    threshold: float
    keywords: list[tuple[str, int]]
    referrals: list[tuple[str, int]]

    @property
    def key(self) -> str:
        return f"{self.channel_id}:{self.day.isoformat()}:{self.hour:02d}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(day=self.day.isoformat(), starts_at=self.starts_at.isoformat(), key=self.key)
        data["above_usual_pct"] = (
            round(100 * (self.count - self.usual) / self.usual, 1) if self.usual else None
        )
        return data


def threshold(history: list[int], rule: SpikeRule) -> tuple[float, float, float]:
    """(median, MAD, threshold) of a history of hourly counts."""
    usual = float(statistics.median(history)) if history else 0.0
    mad = float(statistics.median([abs(x - usual) for x in history])) if history else 0.0
    return usual, mad, usual + rule.k * max(1.4826 * mad, 1.0)


def _hourly(
    session: Session, workspace_id: int, days: list[date], hour: int
) -> dict[tuple[int, date], int]:
    rows = session.execute(
        select(MetricHourly.channel_id, MetricHourly.day, MetricHourly.n).where(
            MetricHourly.workspace_id == workspace_id,
            MetricHourly.metric == d.INBOUND,
            MetricHourly.channel_id != d.ALL_ID,
            MetricHourly.team_id == d.ALL_ID,
            MetricHourly.agent_id == d.ALL_ID,
            MetricHourly.category == d.ALL_CATEGORY,
            MetricHourly.day.in_(days),
            MetricHourly.hour == hour,
        )
    )
    return {(int(c), day): int(n) for c, day, n in rows}


def detect_spikes(
    session: Session, workspace_id: int, *, at: datetime, rule: SpikeRule | None = None
) -> list[Spike]:
    """Spikes in the local hour containing `at`, one per channel that spikes."""
    rule = rule or SpikeRule()
    clock = clock_of(session, workspace_id)
    day, hour = clock.local(at)
    past = [day - timedelta(weeks=w) for w in range(1, rule.weeks + 1)]
    counts = _hourly(session, workspace_id, [day, *past], hour)
    starts = datetime.combine(day, time(hour), tzinfo=clock.zone)
    spikes = []
    for channel_id in sorted({c for c, dday in counts if dday == day}):
        count = counts[(channel_id, day)]
        usual, mad, limit = threshold([counts.get((channel_id, p), 0) for p in past], rule)
        if count < rule.min_count or count <= limit:
            continue
        drivers = window_drivers(session, workspace_id, channel_id=channel_id, start=starts,
                                 end=starts + timedelta(hours=1))  # fmt: skip
        spikes.append(Spike(channel_id, day, hour, starts, count, usual, mad, round(limit, 2),
                            drivers.keywords, drivers.referrals))  # fmt: skip
    return spikes


def _recorded_keys(session: Session, workspace_id: int, since: datetime) -> set[str]:
    rows = session.scalars(
        select(Event.data).where(
            Event.workspace_id == workspace_id,
            Event.type == SPIKE_EVENT,
            Event.occurred_at >= since,
        )
    )
    return {str(data.get("key")) for data in rows}


def check_and_record(session: Session, *, now: datetime, rule: SpikeRule | None = None) -> int:
    """Fold new events, detect spikes in the current and previous hour of every workspace,
    and record each new one once as a `spike.detected` event (for the UI and webhooks)."""
    fold_all(session)
    recorded = 0
    for ws_id in session.scalars(select(Workspace.id)):
        seen = _recorded_keys(session, ws_id, now - timedelta(days=1))
        for at in (now - timedelta(hours=1), now):
            for spike in detect_spikes(session, ws_id, at=at, rule=rule):
                if spike.key in seen:
                    continue
                seen.add(spike.key)
                record_event(session, workspace_id=ws_id, type=SPIKE_EVENT, at=now,
                             data=spike.as_json())  # fmt: skip
                recorded += 1
    return recorded


def run_spike_check(services: HasDb) -> int:
    """The periodic job (every few minutes): returns how many new spikes it recorded."""
    now = services.clock()
    return services.db.write(lambda s: check_and_record(s, now=now))


def recent_spikes(session: Session, workspace_id: int, *, since: datetime) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Event.occurred_at, Event.data)
        .where(
            Event.workspace_id == workspace_id,
            Event.type == SPIKE_EVENT,
            Event.occurred_at >= since,
        )
        .order_by(Event.id.desc())
        .limit(50)
    )
    return [{**data, "detected_at": at.isoformat()} for at, data in rows]
