"""What the API, the CLI and the dashboard call: bring the rollups up to date, resolve a
period in the workspace's time zone, and answer a report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from dmdesk.db.database import Database
from dmdesk.domain.errors import Invalid
from dmdesk.metrics import definitions as d
from dmdesk.metrics import reports
from dmdesk.metrics.context import clock_of
from dmdesk.metrics.rollups import fold_all

DEFAULT_DAYS = 7
MAX_DAYS = 3 * 366


class HasDb(Protocol):
    """The part of `Services` the metrics jobs use (metrics cannot import services)."""

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


def refresh(db: Database) -> int:
    """Fold every new event into the rollups; cheap when nothing is new."""
    return db.write(fold_all)


def run_rollup_job(services: HasDb) -> int:
    """The periodic job: keep the rollups current (schedule it every minute or so)."""
    return refresh(services.db)


def _parse_day(value: str | date | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise Invalid(f"{field} must be a date (YYYY-MM-DD)", field=field) from exc


def make_filter(
    session: Session,
    workspace_id: int,
    *,
    now: datetime,
    start: str | date | None = None,
    end: str | date | None = None,
    hours: str = "calendar",
    channel_id: int | None = None,
    team_id: int | None = None,
    agent_id: int | None = None,
    category: str | None = None,
) -> d.ReportFilter:
    """A report filter; the period defaults to the last 7 local days up to today."""
    try:
        mode = d.HoursMode(hours)
    except ValueError as exc:
        raise Invalid("hours must be calendar or business", field="hours") from exc
    today = clock_of(session, workspace_id).today(now)
    last = _parse_day(end, "to") or today
    first = _parse_day(start, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Invalid("from must not be after to", field="from")
    if (last - first).days > MAX_DAYS:
        raise Invalid("a report covers at most three years", field="from")
    return d.ReportFilter(first, last, mode, channel_id, team_id, agent_id, category or None)


def has_schedule(session: Session, workspace_id: int) -> bool:
    return clock_of(session, workspace_id).schedule is not None


def summary_with_trend(db: Database, workspace_id: int, flt: d.ReportFilter) -> dict[str, Any]:
    """The summary of the period and of the one before it, after a refresh."""
    refresh(db)
    with db.session() as s:
        return {
            "period": {"from": flt.start.isoformat(), "to": flt.end.isoformat()},
            "hours": flt.hours.value,
            "business_hours_schedule": has_schedule(s, workspace_id),
            "metrics": reports.summary(s, workspace_id, flt),
            "previous": reports.summary(s, workspace_id, flt.previous()),
        }
