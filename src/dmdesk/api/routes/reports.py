"""Reports: the summary of every metric, volume, breakdowns (agents, teams, channels,
categories), spikes and topics; JSON by default, CSV with `?format=csv`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from dmdesk.access import require_role
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.auth import Caller
from dmdesk.domain.enums import Role
from dmdesk.metrics import definitions as d
from dmdesk.metrics import export, service
from dmdesk.metrics.spikes import SpikeRule, detect_spikes, recent_spikes
from dmdesk.services import Services

router = APIRouter(prefix="/reports", tags=["reports"])


def report_filter(
    services: ServicesDep,
    caller: CallerDep,
    from_: Annotated[str | None, Query(alias="from", description="First local day")] = None,
    to: Annotated[str | None, Query(description="Last local day (inclusive)")] = None,
    hours: Annotated[str, Query(description="calendar or business")] = "calendar",
    channel_id: int | None = None,
    team_id: int | None = None,
    agent_id: int | None = None,
    category: str | None = None,
) -> d.ReportFilter:
    require_role(caller.user, Role.SUPERVISOR)
    with services.db.session() as s:
        return service.make_filter(
            s, caller.user.workspace_id, now=services.clock(), start=from_, end=to,
            hours=hours, channel_id=channel_id, team_id=team_id, agent_id=agent_id,
            category=category,
        )  # fmt: skip


FilterDep = Annotated[d.ReportFilter, Depends(report_filter)]
Format = Annotated[str, Query(pattern="^(json|csv)$")]


def _csv(table: export.Table, name: str) -> PlainTextResponse:
    return PlainTextResponse(
        export.to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/summary", response_model=None)
def summary(
    services: ServicesDep, caller: CallerDep, flt: FilterDep, format: Format = "json"
) -> dict[str, Any] | PlainTextResponse:
    out = service.summary_with_trend(services.db, caller.user.workspace_id, flt)
    if format == "csv":
        return _csv(export.summary_table(out["metrics"]), "summary")
    return out


@router.get("/volume", response_model=None)
def volume(
    services: ServicesDep,
    caller: CallerDep,
    flt: FilterDep,
    granularity: Annotated[str, Query(pattern="^(day|week|hour)$")] = "day",
    format: Format = "json",
) -> dict[str, Any] | PlainTextResponse:
    out = service.volume_report(services.db, caller.user.workspace_id, flt,
                                granularity=granularity)  # fmt: skip
    if format == "csv":
        header = ["period", "inbound_messages", "conversations_started"]
        rows = [[r.get(h, "") for h in header] for r in out["series"]]
        return _csv((header, rows), "volume")
    return out


def _breakdown(
    services: Services, caller: Caller, flt: d.ReportFilter, by: str, format: str
) -> dict[str, Any] | PlainTextResponse:
    rows, names = service.breakdown_report(services.db, caller.user.workspace_id, flt, by=by)
    if format == "csv":
        return _csv(export.breakdown_table(by, rows, names), f"{by}s")
    return {"by": by, "rows": [{**r, "name": names.get(r["key"], str(r["key"]))} for r in rows]}


@router.get("/agents", response_model=None)
def agents(
    services: ServicesDep, caller: CallerDep, flt: FilterDep, format: Format = "json"
) -> dict[str, Any] | PlainTextResponse:
    return _breakdown(services, caller, flt, "agent", format)


@router.get("/breakdown/{by}", response_model=None)
def breakdown(
    services: ServicesDep, caller: CallerDep, flt: FilterDep, by: str, format: Format = "json"
) -> dict[str, Any] | PlainTextResponse:
    """Per team, channel, category or agent."""
    return _breakdown(services, caller, flt, by, format)


@router.get("/spikes")
def spikes(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Spikes recorded in the last 7 days, and whether the current hour is one now."""
    require_role(caller.user, Role.SUPERVISOR)
    now = services.clock()
    service.refresh(services.db)
    ws = caller.user.workspace_id
    with services.db.session() as s:
        current = detect_spikes(s, ws, at=now, rule=SpikeRule())
        recorded = recent_spikes(s, ws, since=now - timedelta(days=7))
    return {"current": [x.as_json() for x in current], "recorded": recorded}


@router.get("/now")
def now(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """What is happening now: open and waiting conversations, SLA risk, agents online,
    inbound today against the usual for this hour, active spikes (the dashboard's strip)."""
    require_role(caller.user, Role.SUPERVISOR)
    return service.now_report(services.db, caller.user.workspace_id, now=services.clock())


@router.get("/topics", response_model=None)
def topics(
    services: ServicesDep,
    caller: CallerDep,
    flt: FilterDep,
    k: Annotated[int | None, Query(ge=2, le=100)] = None,
    format: Format = "json",
) -> dict[str, Any] | PlainTextResponse:
    """Frequent questions of the period grouped into ranked topics (CSV: content ideas)."""
    rows = service.topics_report(services.db, caller.user.workspace_id, flt, k=k)
    if format == "csv":
        header = ["label", "count", "previous_count", "trend", "example_1", "example_2"]
        table = [[t["label"], t["count"], t["previous_count"], t["trend"],
                  *(t["examples"] + ["", ""])[:2]] for t in rows]  # fmt: skip
        return _csv((header, table), "topics")
    return {"period": {"from": flt.start.isoformat(), "to": flt.end.isoformat()}, "topics": rows}
