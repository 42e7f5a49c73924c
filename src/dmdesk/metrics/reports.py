"""Reports answered from the rollups: the summary of every metric, breakdowns by a
dimension, volume by day/week/hour, the weekday x hour heatmap and distributions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from dmdesk.metrics import definitions as d
from dmdesk.metrics.hist import Distribution
from dmdesk.models.metrics import MetricCell, MetricHourly

SUMMARY_METRICS = (
    "first_response_time", "next_reply_time", "reply_time", "time_to_resolution",
    "inbound_messages", "conversations_started", "completion_rate", "lead_qualification_rate",
    "conversion_rate", "csat", "escalation_rate", "sla_attainment", "human_replies",
)  # fmt: skip
_COUNTED = (d.INBOUND, d.STARTED, d.COMPLETED, d.QUALIFIED, d.CONVERTED, d.CONVERSION_VALUE,
            d.ESCALATED, d.SLA_TRACKED, d.SLA_ATTAINED, d.HUMAN_REPLIES)  # fmt: skip
Ts = TypeVarTuple("Ts")
_DIM_COLUMN = {
    "channel": MetricCell.channel_id,
    "team": MetricCell.team_id,
    "agent": MetricCell.agent_id,
    "category": MetricCell.category,
}


@dataclass
class Bag:
    """Everything the rollups hold for one slice and period, merged."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    blobs: dict[str, list[bytes]] = field(default_factory=lambda: defaultdict(list))

    merged: dict[str, Distribution] = field(default_factory=dict)

    def take(self, metric: str, n: int, total: int, blob: bytes | None) -> None:
        self.counts[metric] += n
        self.totals[metric] += total
        if blob:
            self.blobs[metric].append(blob)
            self.merged.pop(metric, None)

    def dist(self, *metrics: str) -> Distribution:
        """Each metric's histograms merged once; several metrics combine those merges."""
        for m in metrics:
            if m not in self.merged:
                self.merged[m] = Distribution.merge(self.blobs.get(m, ()))
        if len(metrics) == 1:
            return self.merged[metrics[0]]
        return Distribution.combine(self.merged[m] for m in metrics)


def _where_slice(
    query: Select[*Ts], flt: d.ReportFilter, *, open_dim: str | None, values: Sequence[Any] = ()
) -> Select[*Ts]:
    """Fix every dimension to the filter's slice; `open_dim` takes `values` instead (an
    IN list, not "!= all": that lets the primary-key index seek each value's range)."""
    dims = flt.slice()
    fixed = {"channel": dims.channel_id, "team": dims.team_id, "agent": dims.agent_id,
             "category": dims.category}  # fmt: skip
    for name, column in _DIM_COLUMN.items():
        if name == open_dim:
            query = query.where(column.in_(list(values)))
        else:
            query = query.where(column == fixed[name])
    return query


_WALK = """WITH RECURSIVE walk(v) AS (
  SELECT min({col}) FROM {table} WHERE {where}
  UNION ALL
  SELECT (SELECT min({col}) FROM {table} WHERE {where} AND {col} > walk.v)
  FROM walk WHERE walk.v IS NOT NULL
) SELECT v FROM walk WHERE v IS NOT NULL"""


def distinct_walk(session: Session, table: str, column: str, where: dict[str, Any]) -> list[Any]:
    """The distinct values of `column` under equality conditions that, with it, form an
    index prefix: one index probe per value (a loose index scan) in one round trip.
    Table and column names come from this module only, never from input."""
    clause = " AND ".join(f"{name} = :{name}" for name in where)
    sql = _WALK.format(col=column, table=table, where=clause)
    return list(session.scalars(text(sql), where))


def open_values(session: Session, workspace_id: int, flt: d.ReportFilter, by: str) -> list[Any]:
    """The values of `by` present in the rollups (bar "all") under the filter's dimensions
    before it in the key, where `!= all` would read every cell of the workspace."""
    dims = flt.slice()
    fixed = {"channel": dims.channel_id, "team": dims.team_id, "agent": dims.agent_id,
             "category": dims.category}  # fmt: skip
    if fixed[by] not in (d.ALL_ID, d.ALL_CATEGORY):
        return [fixed[by]]
    where: dict[str, Any] = {"workspace_id": workspace_id}
    for name in d.DIMENSIONS[: d.DIMENSIONS.index(by)]:
        where[_DIM_COLUMN[name].key] = fixed[name]
    found = distinct_walk(session, "metric_cells", _DIM_COLUMN[by].key, where)
    return [v for v in found if v not in (d.ALL_ID, d.ALL_CATEGORY)]


ALL_HISTOGRAMS = (*d.DURATIONS, d.CSAT)
# What the breakdown tables show: first response, resolution and CSAT (next replies are
# the largest histograms and no table column needs them).
BREAKDOWN_HISTOGRAMS = (d.FIRST_RESPONSE, d.RESOLUTION, d.CSAT)


def _hist_metrics(hours: d.HoursMode, which: Sequence[str] = ALL_HISTOGRAMS) -> list[str]:
    return [m if m == d.CSAT else d.stored(m, hours) for m in which]


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def full_months(start: date, end: date) -> tuple[date, date] | None:
    """The 1sts of the first and last whole months inside [start, end], if any."""
    first = start if start.day == 1 else _next_month(start)
    last = ((end + timedelta(days=1)).replace(day=1) - timedelta(days=1)).replace(day=1)
    return (first, last) if first <= last else None


def _grain_clause(flt: d.ReportFilter, metrics: Sequence[str]) -> ColumnElement[bool]:
    """The metrics' cells by whole month where they can, by day at the edges. An edge
    left out when empty: PostgreSQL would still walk the index for its impossible range."""
    months = full_months(flt.start, flt.end)
    if months is None:
        return _days(metrics, flt.start, flt.end)
    first, last = months
    month_end = _next_month(last)
    parts = [_days([m + d.MONTH_SUFFIX for m in metrics], first, last)]
    if flt.start < first:
        parts.append(_days(metrics, flt.start, first - timedelta(days=1)))
    if month_end <= flt.end:
        parts.append(_days(metrics, month_end, flt.end))
    return or_(*parts)


def _days(metrics: Sequence[str], first: date, last: date) -> ColumnElement[bool]:
    return and_(MetricCell.metric.in_(metrics), MetricCell.day >= first, MetricCell.day <= last)


def load_bags(
    session: Session,
    workspace_id: int,
    flt: d.ReportFilter,
    *,
    group_by: str | None = None,
    histograms: Sequence[str] = ALL_HISTOGRAMS,
) -> dict[Any, Bag]:
    """Merged rollup cells per value of `group_by` (a single bag under None without it).

    Counts are summed by the database (one row per value and metric instead of one per
    day) and histograms merged here, both from month cells and the edge days."""
    key_col = _DIM_COLUMN[group_by] if group_by else MetricCell.workspace_id
    values = open_values(session, workspace_id, flt, group_by) if group_by else ()
    counted = select(
        key_col,
        MetricCell.metric,
        cast(func.sum(MetricCell.n), BigInteger),
        cast(func.sum(MetricCell.total), BigInteger),
        null(),
    )
    counted = (
        _where_slice(counted, flt, open_dim=group_by, values=values)
        .where(MetricCell.workspace_id == workspace_id, _grain_clause(flt, _COUNTED))
        .group_by(key_col, MetricCell.metric)
    )
    hists = select(key_col, MetricCell.metric, MetricCell.n, MetricCell.total, MetricCell.hist)
    hists = _where_slice(hists, flt, open_dim=group_by, values=values).where(
        MetricCell.workspace_id == workspace_id,
        _grain_clause(flt, _hist_metrics(flt.hours, histograms)),
    )
    bags: dict[Any, Bag] = defaultdict(Bag)
    for query in (counted, hists):
        for key, metric, n, total, blob in _rows(session, query):
            bags[key if group_by else None].take(_plain(metric), int(n), int(total), blob)
    return bags


def _rows(session: Session, query: Select[*Ts]) -> Sequence[Any]:
    """The query's rows as plain tuples; on PostgreSQL in the binary format, where
    histograms arrive as their bytes instead of hex text that the server spends most of a
    large report encoding (a year of agents' histograms at 1M conversations, 27 MB: 0.33 s
    -> 0.09 s), and a year of hourly counts skips the ORM's row processing. SQLAlchemy has
    no per-statement switch for it, so this runs the compiled statement on the session's
    own connection (same transaction) through a binary psycopg cursor."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return session.execute(query).all()
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    driver: Any = conn.connection.driver_connection
    with driver.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        rows: list[Any] = cursor.fetchall()
        return rows


def _plain(metric: str) -> str:
    return metric.removesuffix(d.MONTH_SUFFIX).removesuffix(d.BUSINESS_SUFFIX)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value / 1000, 3)


def duration_stats(bag: Bag, *metrics: str) -> dict[str, Any]:
    dist = bag.dist(*metrics)
    n = dist.n
    total = sum(bag.totals.get(m, 0) for m in metrics)
    return {
        "median_s": _seconds(dist.percentile(0.5)),
        "p90_s": _seconds(dist.percentile(0.9)),
        "mean_s": _seconds(total / n) if n else None,
        "n": n,
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def csat_stats(bag: Bag) -> dict[str, Any]:
    dist = bag.dist(d.CSAT)
    n = dist.n
    happy = int(sum(c for v, c in zip(dist.values, dist.counts, strict=True) if v >= 4))
    return {
        "share_4_5": _rate(happy, n),
        "mean": round(bag.totals.get(d.CSAT, 0) / n, 3) if n else None,
        "median": dist.percentile(0.5),
        "p90": dist.percentile(0.9),
        "n": n,
    }


def _rate_stats(bag: Bag, metric: str, name: str) -> dict[str, Any]:
    started = bag.counts.get(d.STARTED, 0)
    part = bag.counts.get(metric, 0)
    return {"rate": _rate(part, started), name: part, "n": started}


def uses_sla(session: Session, workspace_id: int) -> bool:
    """Whether the workspace has SLA activity at all (a policy saved, a warning, a breach).

    Walks the workspace's distinct event types down the (workspace, type) index:
    `type LIKE 'sla.%'` cannot use that index under a linguistic collation and would read
    the whole event log on every report."""
    kinds = distinct_walk(session, "events", "type", {"workspace_id": workspace_id})
    return any(str(kind).startswith("sla.") for kind in kinds)


def summarize(bag: Bag, *, sla: bool = True) -> dict[str, Any]:
    c = bag.counts
    sla_n = c.get(d.SLA_TRACKED, 0) if sla else 0
    return {
        "first_response_time": duration_stats(bag, d.FIRST_RESPONSE),
        "next_reply_time": duration_stats(bag, d.NEXT_REPLY),
        "reply_time": duration_stats(bag, d.FIRST_RESPONSE, d.NEXT_REPLY),
        "time_to_resolution": duration_stats(bag, d.RESOLUTION),
        "inbound_messages": {"count": c.get(d.INBOUND, 0)},
        "conversations_started": {"count": c.get(d.STARTED, 0)},
        "completion_rate": _rate_stats(bag, d.COMPLETED, "completed"),
        "lead_qualification_rate": _rate_stats(bag, d.QUALIFIED, "qualified"),
        "conversion_rate": {
            **_rate_stats(bag, d.CONVERTED, "converted"),
            "value": round(bag.totals.get(d.CONVERSION_VALUE, 0) / 100, 2),
        },
        "csat": csat_stats(bag),
        "escalation_rate": _rate_stats(bag, d.ESCALATED, "escalated"),
        "sla_attainment": {
            "rate": _rate(c.get(d.SLA_ATTAINED, 0), sla_n),
            "attained": c.get(d.SLA_ATTAINED, 0) if sla else 0,
            "n": sla_n,
        },
        "human_replies": {"count": c.get(d.HUMAN_REPLIES, 0)},
    }


def summary(session: Session, workspace_id: int, flt: d.ReportFilter) -> dict[str, Any]:
    """Every metric of docs/METRICS.md for the filter, keyed by metric name."""
    bag = load_bags(session, workspace_id, flt).get(None, Bag())
    return summarize(bag, sla=uses_sla(session, workspace_id))


def breakdown(
    session: Session, workspace_id: int, flt: d.ReportFilter, *, by: str
) -> list[dict[str, Any]]:
    """One row per value of `by` (channel, team, agent, category) with its headline numbers."""
    if by not in _DIM_COLUMN:
        raise ValueError(f"cannot break down by {by!r}")
    rows = []
    sla = uses_sla(session, workspace_id)
    bags = load_bags(session, workspace_id, flt, group_by=by, histograms=BREAKDOWN_HISTOGRAMS)
    for key, bag in bags.items():
        s = summarize(bag, sla=sla)
        rows.append({
            "key": key,
            "conversations_started": s["conversations_started"]["count"],
            "human_replies": s["human_replies"]["count"],
            "first_response_time": s["first_response_time"],
            "time_to_resolution": s["time_to_resolution"],
            "completion_rate": s["completion_rate"]["rate"],
            "sla_attainment": s["sla_attainment"]["rate"],
            "csat_share_4_5": s["csat"]["share_4_5"],
            "csat_n": s["csat"]["n"],
        })  # fmt: skip
    return sorted(rows, key=lambda r: (-r["conversations_started"], str(r["key"])))


def daily_volume(
    session: Session, workspace_id: int, flt: d.ReportFilter
) -> dict[date, dict[str, int]]:
    """Inbound messages and new conversations per local day of the period."""
    query = select(MetricCell.day, MetricCell.metric, MetricCell.n)
    query = _where_slice(query, flt, open_dim=None).where(
        MetricCell.workspace_id == workspace_id,
        MetricCell.metric.in_([d.INBOUND, d.STARTED]),
        MetricCell.day >= flt.start,
        MetricCell.day <= flt.end,
    )
    out: dict[date, dict[str, int]] = {}
    day = flt.start
    while day <= flt.end:
        out[day] = {d.INBOUND: 0, d.STARTED: 0}
        day += timedelta(days=1)
    for day_, metric, n in _rows(session, query):
        out[day_][metric] += n
    return out


def weekly_volume(daily: dict[date, dict[str, int]]) -> dict[date, dict[str, int]]:
    """Days folded into weeks starting on Monday."""
    weeks: dict[date, dict[str, int]] = {}
    for day, counts in daily.items():
        monday = day - timedelta(days=day.weekday())
        week = weeks.setdefault(monday, {d.INBOUND: 0, d.STARTED: 0})
        for metric, n in counts.items():
            week[metric] += n
    return weeks


class TooManyFilters(ValueError):
    """Hourly rollups keep one dimension at a time."""


def hourly_counts(
    session: Session,
    workspace_id: int,
    flt: d.ReportFilter,
    *,
    metric: str = d.INBOUND,
    per_channel: bool = False,
) -> list[tuple[date, int, int, int]]:
    """(day, hour, channel or 0, count) rows of an hourly metric."""
    query = select(MetricHourly.day, MetricHourly.hour, MetricHourly.channel_id, MetricHourly.n)
    query = _where_hourly(query, workspace_id, flt, metric=metric, per_channel=per_channel)
    return [(r[0], r[1], r[2], r[3]) for r in _rows(session, query)]


def weekday_hours(
    session: Session, workspace_id: int, flt: d.ReportFilter, *, metric: str = d.INBOUND
) -> list[list[int]]:
    """`heatmap(hourly_counts(...))` summed by the database: 168 rows instead of one per
    hour of the period (8,760 for a year, which the dashboard only needs as the grid)."""
    if session.get_bind().dialect.name == "postgresql":
        weekday: ColumnElement[Any] = func.extract("isodow", MetricHourly.day)  # Monday 1
    else:
        weekday = func.strftime(literal_column("'%w'"), MetricHourly.day)  # Sunday '0'
    query = select(weekday, MetricHourly.hour, cast(func.sum(MetricHourly.n), BigInteger))
    query = _where_hourly(query, workspace_id, flt, metric=metric, per_channel=False)
    grid = [[0] * 24 for _ in range(7)]
    for day, hour, n in _rows(session, query.group_by(weekday, MetricHourly.hour)):
        grid[(int(day) + 6) % 7][int(hour)] += int(n)
    return grid


def _where_hourly(
    query: Select[*Ts],
    workspace_id: int,
    flt: d.ReportFilter,
    *,
    metric: str,
    per_channel: bool,
) -> Select[*Ts]:
    if flt.filter_count > 1 or (per_channel and flt.filter_count and flt.channel_id is None):
        raise TooManyFilters("hourly figures support one filter at a time")
    dims = flt.slice()
    for column, value in (
        (MetricHourly.team_id, dims.team_id),
        (MetricHourly.agent_id, dims.agent_id),
        (MetricHourly.category, dims.category),
    ):
        query = query.where(column == value)
    if per_channel and flt.channel_id is None:
        query = query.where(MetricHourly.channel_id != d.ALL_ID)
    else:
        query = query.where(MetricHourly.channel_id == dims.channel_id)
    return query.where(
        MetricHourly.workspace_id == workspace_id,
        MetricHourly.metric == metric,
        MetricHourly.day >= flt.start,
        MetricHourly.day <= flt.end,
    )


def heatmap(rows: Iterable[tuple[date, int, int, int]]) -> list[list[int]]:
    """7 x 24 counts: weekday (Monday first) by local hour."""
    grid = [[0] * 24 for _ in range(7)]
    for day, hour, _channel, n in rows:
        grid[day.weekday()][hour] += n
    return grid


RESPONSE_BINS_S: Sequence[int] = (0, 60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600, 86400)


def response_histogram(
    session: Session, workspace_id: int, flt: d.ReportFilter
) -> list[tuple[int, int]]:
    """(bin start in seconds, first responses in the bin) for the period."""
    bags = load_bags(session, workspace_id, flt, histograms=(d.FIRST_RESPONSE,))
    counts = bags.get(None, Bag()).dist(d.FIRST_RESPONSE).bins(s * 1000 for s in RESPONSE_BINS_S)
    return list(zip(RESPONSE_BINS_S, counts, strict=True))
