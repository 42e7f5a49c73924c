"""What the API, the CLI and the dashboard call: bring the rollups up to date, resolve a
period in the workspace's time zone, and answer a report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.db.database import Database
from dmdesk.domain.errors import Invalid
from dmdesk.metrics import definitions as d
from dmdesk.metrics import reports
from dmdesk.metrics.context import clock_of
from dmdesk.metrics.rollups import behind, fold_all
from dmdesk.metrics.topics import build_topics, inbound_texts
from dmdesk.models import Channel, Team, User

DEFAULT_DAYS = 7
MAX_DAYS = 3 * 366


class HasDb(Protocol):
    """The part of `Services` the metrics jobs use (metrics cannot import services)."""

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


def refresh(db: Database) -> int:
    """Fold every new event into the rollups. When nothing is new (a page asking for
    several reports in a row) this is a read, with no trip through the single writer."""
    with db.session() as s:
        if not behind(s):
            return 0
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


BREAKDOWNS = ("agent", "team", "channel", "category")


def dimension_names(session: Session, workspace_id: int, by: str) -> dict[Any, str]:
    """Display names of a dimension's values (none for categories: they are their names)."""
    model: Any = {"agent": User, "team": Team, "channel": Channel}.get(by)
    names: dict[Any, str] = {d.NONE_ID: "(none)", d.NONE_CATEGORY: "(none)"}
    if model is not None:
        rows = session.execute(
            select(model.id, model.name).where(model.workspace_id == workspace_id)
        )
        names.update({int(i): str(n) for i, n in rows})
    return names


def breakdown_report(
    db: Database, workspace_id: int, flt: d.ReportFilter, *, by: str
) -> tuple[list[dict[str, Any]], dict[Any, str]]:
    if by not in BREAKDOWNS:
        raise Invalid(f"breakdowns are by {', '.join(BREAKDOWNS)}", field="by")
    refresh(db)
    with db.session() as s:
        rows = reports.breakdown(s, workspace_id, flt, by=by)
        return rows, dimension_names(s, workspace_id, by)


def volume_report(
    db: Database, workspace_id: int, flt: d.ReportFilter, *, granularity: str = "day"
) -> dict[str, Any]:
    """Inbound messages and new conversations per day or week, plus the hourly heatmap."""
    if granularity not in ("day", "week", "hour"):
        raise Invalid("granularity is day, week or hour", field="granularity")
    refresh(db)
    with db.session() as s:
        daily = reports.daily_volume(s, workspace_id, flt)
        series = reports.weekly_volume(daily) if granularity == "week" else daily
        out: dict[str, Any] = {
            "granularity": granularity,
            "series": [{"period": k.isoformat(), **v} for k, v in sorted(series.items())],
        }
        try:
            if granularity != "hour":  # the heatmap alone: summed by the database
                out["heatmap"] = reports.weekday_hours(s, workspace_id, flt)
                return out
            hourly = reports.hourly_counts(s, workspace_id, flt)
        except reports.TooManyFilters as exc:
            out["hourly_note"] = str(exc)
            return out
        out["heatmap"] = reports.heatmap(hourly)
        out["series"] = [{"period": f"{day.isoformat()}T{hour:02d}:00", "inbound_messages": n}
                         for day, hour, _c, n in sorted(hourly)]  # fmt: skip
        return out


def local_bounds(
    session: Session, workspace_id: int, flt: d.ReportFilter
) -> tuple[datetime, datetime]:
    """The UTC instants where the filter's first local day starts and its last one ends."""
    zone = clock_of(session, workspace_id).zone
    start = datetime.combine(flt.start, time(), tzinfo=zone)
    end = datetime.combine(flt.end + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def topics_report(
    db: Database, workspace_id: int, flt: d.ReportFilter, *, k: int | None = None
) -> list[dict[str, Any]]:
    """Ranked topics of the period's inbound questions with their trend."""
    with db.session() as s:
        start, end = local_bounds(s, workspace_id, flt)
        before = flt.previous()
        p_start, p_end = local_bounds(s, workspace_id, before)
        current = inbound_texts(s, workspace_id, start=start, end=end)
        previous = inbound_texts(s, workspace_id, start=p_start, end=p_end)
    return [t.as_json() for t in build_topics(current, previous, k=k)]


def now_report(db: Database, workspace_id: int, *, now: datetime) -> dict[str, Any]:
    """The NOW strip's figures (see `metrics.now`), after a refresh."""
    from dmdesk.metrics.now import now_strip  # now -> spikes -> service (HasDb): a cycle

    refresh(db)
    with db.session() as s:
        return now_strip(s, workspace_id, now=now)
