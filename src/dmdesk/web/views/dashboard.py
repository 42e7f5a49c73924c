"""The dashboard (`/dashboard`): headline metrics with their trend, volume, the weekday x
hour heatmap, the first-response distribution, breakdowns, spikes and top questions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from dmdesk.domain.enums import Category, Role
from dmdesk.domain.errors import Invalid
from dmdesk.metrics import definitions as d
from dmdesk.metrics import reports, service
from dmdesk.metrics.context import clock_of
from dmdesk.metrics.spikes import recent_spikes
from dmdesk.services import Services
from dmdesk.web import charts
from dmdesk.web.deps import PageCaller, PageNotFound, ServicesDep
from dmdesk.web.templating import NavLink, register_nav, render

router = APIRouter(include_in_schema=False)
register_nav(NavLink("dashboard", "Dashboard", "/dashboard", "chart", min_role="supervisor"))
FILTER_KEYS = ("from", "to", "hours", "channel_id", "team_id", "agent_id", "category")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BIN_LABELS = ("<1m", "1-5m", "5-15m", "15-30m", "30-60m", "1-4h", "4-8h", "8-24h", "1d+")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


def _filter(services: Services, ws: int, q: dict[str, str]) -> tuple[d.ReportFilter, str | None]:
    with services.db.session() as s:
        kw: dict[str, Any] = {
            "channel_id": _int(q.get("channel_id")),
            "team_id": _int(q.get("team_id")),
            "agent_id": _int(q.get("agent_id")),
            "category": q.get("category") or None,
        }
        try:
            flt = service.make_filter(
                s,
                ws,
                now=services.clock(),
                start=q.get("from"),
                end=q.get("to"),
                hours=q.get("hours") or "calendar",
                **kw,
            )
            return flt, None
        except Invalid as exc:
            return service.make_filter(s, ws, now=services.clock()), exc.message


def trend(
    now: float | None, before: float | None, *, lower_is_better: bool, points: bool = False
) -> dict[str, str] | None:
    """Arrow, signed text and tone of a change (percent, or points for rates)."""
    if now is None or before is None or (not points and before == 0):
        return None
    change = (now - before) * 100 if points else (now - before) / before * 100
    if abs(change) < 0.05:
        return {"arrow": "→", "text": "no change", "tone": "flat"}
    better = (change < 0) == lower_is_better
    unit = " pt" if points else "%"
    return {
        "arrow": "↑" if change > 0 else "↓",
        "text": f"{change:+.1f}{unit} vs previous",
        "tone": "good" if better else "bad",
    }


def _card(
    key: str, label: str, main: str, sub: str, change: dict[str, str] | None
) -> dict[str, Any]:
    return {"key": key, "label": label, "main": main, "sub": sub, "trend": change}


def _cards(now: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    frt, res, csat = now["first_response_time"], now["time_to_resolution"], now["csat"]
    sla, conv = now["sla_attainment"], now["conversion_rate"]
    inbound = now["inbound_messages"]["count"]

    def rate_trend(name: str, stat: str = "rate") -> dict[str, str] | None:
        return trend(now[name][stat], before[name][stat], lower_is_better=False, points=True)

    def time_trend(name: str) -> dict[str, str] | None:
        return trend(now[name]["median_s"], before[name]["median_s"], lower_is_better=True)

    return [
        _card(
            "first_response_time",
            "First response",
            _dur(frt["median_s"]),
            f"p90 {_dur(frt['p90_s'])} · n={frt['n']}",
            time_trend("first_response_time"),
        ),
        _card(
            "time_to_resolution",
            "Resolution",
            _dur(res["median_s"]),
            f"p90 {_dur(res['p90_s'])} · n={res['n']}",
            time_trend("time_to_resolution"),
        ),
        _card(
            "inbound_messages",
            "Inbound",
            f"{inbound:,}",
            f"{now['conversations_started']['count']:,} conversations",
            trend(inbound, before["inbound_messages"]["count"], lower_is_better=False),
        ),
        _card(
            "sla_attainment",
            "SLA attained",
            _pct(sla["rate"]),
            f"n={sla['n']}",
            rate_trend("sla_attainment"),
        ),
        _card(
            "csat",
            "CSAT (4-5)",
            _pct(csat["share_4_5"]),
            f"mean {csat['mean'] or '–'} · n={csat['n']}",
            rate_trend("csat", "share_4_5"),
        ),
        _card(
            "conversion_rate",
            "Conversions",
            f"{conv['converted']:,}",
            f"{_pct(conv['rate'])} of conversations",
            rate_trend("conversion_rate"),
        ),
    ]


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h" if seconds < 172800 else f"{seconds / 86400:.1f}d"


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def _charts(services: Services, ws: int, flt: d.ReportFilter) -> dict[str, Any]:
    volume = service.volume_report(services.db, ws, flt)
    labels = [row["period"][5:] for row in volume["series"]]
    out: dict[str, Any] = {
        "volume": charts.line_chart(
            "Inbound per day",
            labels,
            {
                "Inbound messages": [r["inbound_messages"] for r in volume["series"]],
                "New conversations": [r["conversations_started"] for r in volume["series"]],
            },
            x_label="Day",
            y_label="Messages",
        ).html(definition="inbound_messages")
    }
    if "heatmap" in volume:
        out["heatmap"] = charts.heatmap(
            "Inbound by weekday and hour",
            volume["heatmap"],
            WEEKDAYS,
            [str(h) for h in range(24)],
            x_label="Local hour",
            y_label="Weekday",
        ).html(definition="inbound_messages")
    else:
        out["heatmap_note"] = volume.get("hourly_note")
    with services.db.session() as s:
        bins = reports.response_histogram(s, ws, flt)
    out["histogram"] = charts.histogram(
        "First response time", BIN_LABELS, [c for _, c in bins], x_label="Time to first human reply"
    ).html(definition="first_response_time")
    return out


BREAKDOWN_TABLES = (
    ("agent", "Agents"),
    ("team", "Teams"),
    ("channel", "Channels"),
    ("category", "Categories"),
)


def _tables(services: Services, ws: int, flt: d.ReportFilter) -> list[dict[str, Any]]:
    """The four breakdowns, each on its own connection at the same time: most of a long
    period's cost is the database reading month histograms, which the threads overlap."""
    # Fold new events once here: the four threads then find the fold cursor current (one
    # read each) instead of queueing up to four folds on the single writer.
    service.refresh(services.db)

    def one(by: str) -> tuple[list[dict[str, Any]], dict[Any, str]]:
        return service.breakdown_report(services.db, ws, flt, by=by)

    with ThreadPoolExecutor(max_workers=len(BREAKDOWN_TABLES)) as pool:
        results = list(pool.map(one, [by for by, _ in BREAKDOWN_TABLES]))
    tables = []
    for (by, title), (rows, names) in zip(BREAKDOWN_TABLES, results, strict=True):
        for row in rows:
            row["name"] = names.get(row["key"], str(row["key"]))
            frt = row["first_response_time"]
            row["frt"] = f"{_dur(frt['median_s'])} / {_dur(frt['p90_s'])}"
            row["resolution"] = _dur(row["time_to_resolution"]["median_s"])
            row["sla"], row["csat"] = _pct(row["sla_attainment"]), _pct(row["csat_share_4_5"])
            row["href"] = _drill(by, row["key"])
        tables.append({"by": by, "title": title, "rows": rows})
    return tables


def _drill(by: str, key: Any) -> str | None:
    """The inbox filtered to a row's conversations, where the inbox has that filter."""
    param = {"team": "team", "channel": "channel", "category": "category"}.get(by)
    if param is None or key in (d.NONE_ID, d.NONE_CATEGORY):
        return None
    return "/inbox?" + urlencode({"view": "all", param: key})


def _usual(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def now_texts(data: dict[str, Any], names: dict[Any, str], zone: ZoneInfo) -> dict[str, Any]:
    """The NOW strip's figures as the text shown, keyed like its `data-now` slots. Times are
    the workspace's local time (`zone`), like the spike hours and the "usually by" hour."""
    wait, sla, inbound = data["awaiting_first_reply"], data["sla"], data["inbound"]
    at = datetime.fromisoformat(data["at"]).astimezone(zone)
    spikes = [
        f"Spike on {names.get(s['channel_id'], s['channel_id'])}: {s['count']} DMs at "
        f"{int(s['hour'] or 0):02d}:00 (usually {_usual(float(s['usual'] or 0))})"
        + (f", about {', '.join(s['keywords'][:3])}" if s["keywords"] else "")
        + (f", from {s['referrals'][0]}" if s["referrals"] else "")
        for s in data["spikes"]
    ]
    return {
        "text": {
            "open_conversations": f"{data['open_conversations']:,}",
            "awaiting": f"{wait['count']:,}",
            "oldest_wait": _dur(wait["oldest_wait_s"]) if wait["count"] else "none waiting",
            "breaching_soon": f"{sla['breaching_soon']:,}",
            "breached": f"{sla['breached']:,}",
            "agents_online": f"{data['agents_online']:,}",
            "inbound_today": f"{inbound['today']:,}",
            "usual_today": _usual(inbound["usual_today"]),
            "through": f"{inbound['hour'] + 1:02d}:00",
            "this_hour": f"{inbound['this_hour']:,}",
            "usual_this_hour": _usual(inbound["usual_this_hour"]),
            "at_local": f"{at:%H:%M} {zone.key}",
        },
        "spikes": spikes,
        "at": data["at"],
        "data": data,
    }


def _now(services: Services, ws: int) -> dict[str, Any]:
    data = service.now_report(services.db, ws, now=services.clock())
    with services.db.session() as s:
        zone = clock_of(s, ws).zone
        return now_texts(data, service.dimension_names(s, ws, "channel"), zone)


def _spike_key(spike: dict[str, Any]) -> tuple[Any, Any, Any]:
    return spike.get("channel_id"), spike.get("day"), spike.get("hour")


def earlier_spikes(recent: list[dict[str, Any]], active: list[dict[str, Any]]) -> list[Any]:
    """The week's spikes that the NOW strip does not already show as active, with the usual
    level as text."""
    shown = {_spike_key(s) for s in active}
    return [
        {**s, "usual": _usual(float(s.get("usual") or 0))}
        for s in recent
        if _spike_key(s) not in shown
    ]


@router.get("/dashboard/now.json")
def dashboard_now(caller: PageCaller, services: ServicesDep) -> Response:
    """The NOW strip's figures, polled by static/js/dashboard_now.js every 15 s."""
    if not Role(caller.user.role).at_least(Role.SUPERVISOR):
        raise PageNotFound
    return JSONResponse(_now(services, caller.user.workspace_id))


@router.get("/dashboard")
def dashboard(request: Request, caller: PageCaller, services: ServicesDep) -> Response:
    if not Role(caller.user.role).at_least(Role.SUPERVISOR):
        raise PageNotFound
    ws = caller.user.workspace_id
    q = {k: v for k, v in request.query_params.items() if k in (*FILTER_KEYS, "topics")}
    flt, problem = _filter(services, ws, q)
    out = service.summary_with_trend(services.db, ws, flt)
    now, before = out["metrics"], out["previous"]
    empty = now["conversations_started"]["count"] == 0 and now["inbound_messages"]["count"] == 0
    with services.db.session() as s:
        options = {by: service.dimension_names(s, ws, by) for by in ("agent", "team", "channel")}
        week = recent_spikes(s, ws, since=services.clock() - timedelta(days=7))
    now_strip = _now(services, ws)
    topics = service.topics_report(services.db, ws, flt, k=None)[:10] if q.get("topics") else None
    return render(
        request,
        "dashboard.html",
        caller=caller,
        active_page="dashboard",
        flt=flt,
        filters=q,
        problem=problem,
        out=out,
        empty=empty,
        cards=_cards(now, before),
        charts={} if empty else _charts(services, ws, flt),
        tables=[] if empty else _tables(services, ws, flt),
        options=options,
        categories=[c.value for c in Category],
        spikes=earlier_spikes(week, now_strip["data"]["spikes"]),
        now=now_strip,
        topics=topics,
        topics_href="?" + urlencode({**q, "topics": "1"}),
    )
