"""A workspace's reporting clock: its time zone (local days and hours) and, when one is
configured, its business-hours schedule."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from dmdesk.domain.business_hours import Schedule
from dmdesk.models import Workspace

log = logging.getLogger(__name__)
MS = timedelta(milliseconds=1)
# Where a workspace keeps its schedule until per-team schedules are reportable.
SCHEDULE_SETTING = "business_hours"


@dataclass(frozen=True)
class ReportClock:
    zone: ZoneInfo
    schedule: Schedule | None = None

    def local(self, at: datetime) -> tuple[date, int]:
        """The local day and hour of an instant."""
        wall = at.astimezone(self.zone)
        return wall.date(), wall.hour

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def calendar_ms(self, start: datetime, stop: datetime) -> int:
        return (stop - start) // MS

    def business_ms(self, start: datetime, stop: datetime) -> int:
        """Open time between two instants; calendar time when there is no schedule."""
        if self.schedule is None:
            return self.calendar_ms(start, stop)
        return self.schedule.business_time_between(start, stop) // MS


def schedule_of(settings: dict[str, object]) -> Schedule | None:
    raw = settings.get(SCHEDULE_SETTING)
    if not raw:
        return None
    try:
        return Schedule.model_validate(raw)
    except ValidationError:
        log.warning("workspace business_hours setting is invalid; using calendar hours")
        return None


def clock_of(session: Session, workspace_id: int) -> ReportClock:
    ws = session.get(Workspace, workspace_id)
    if ws is None:
        return ReportClock(ZoneInfo("UTC"))
    return ReportClock(ZoneInfo(ws.timezone or "UTC"), schedule_of(ws.settings or {}))
