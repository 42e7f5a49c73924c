"""`dmdesk report ...`: every metric for a period (table, JSON or CSV), volume, breakdowns,
topics, spikes, the rollup rebuild and the topic-grouping evaluation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from dmdesk.cli.common import console, err_console, fail, load_settings, open_db

if TYPE_CHECKING:
    from dmdesk.db.database import Database
    from dmdesk.metrics import definitions as d
    from dmdesk.metrics import export

app = typer.Typer(help="Reports: metrics, volume, agents, topics, spikes.", no_args_is_help=True)
T = TypeVar("T")


def mount(parent: typer.Typer) -> None:
    parent.add_typer(app, name="report")


FromOpt = Annotated[str | None, typer.Option("--from", help="First local day, YYYY-MM-DD")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last local day (inclusive)")]
HoursOpt = Annotated[str, typer.Option("--hours", help="calendar or business")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV")]
WorkspaceOpt = Annotated[str | None, typer.Option(help="Workspace slug (default: the first)")]
ChannelOpt = Annotated[int | None, typer.Option("--channel-id", help="Only this channel")]
TeamOpt = Annotated[int | None, typer.Option("--team-id", help="Only this team")]
AgentOpt = Annotated[int | None, typer.Option("--agent-id", help="Only this agent")]
CategoryOpt = Annotated[str | None, typer.Option(help="Only this category")]


@contextmanager
def _db() -> Iterator[Database]:
    from dmdesk.domain.errors import DomainError

    db = open_db(load_settings())
    try:
        yield db
    except DomainError as exc:
        fail(exc.message)
    finally:
        db.close()


def _workspace_id(db: Database, slug: str | None) -> int:
    from dmdesk.models import Workspace

    with db.session() as s:
        ws = s.query(Workspace).order_by(Workspace.id)
        found = (ws.filter(Workspace.slug == slug) if slug else ws).first()
    if found is None:
        fail(f"no workspace {slug!r}" if slug else "no workspace yet")
    return found.id


def _filter(db: Database, ws: int, **kw: Any) -> d.ReportFilter:
    from dmdesk.domain.clock import utcnow
    from dmdesk.metrics import service

    with db.session() as s:
        return service.make_filter(s, ws, now=utcnow(), **kw)


def _print(obj: Any) -> None:
    typer.echo(json.dumps(obj, default=str, indent=2))


def _table(title: str, table: export.Table) -> None:
    from rich.table import Table

    header, rows = table
    out = Table(title=title)
    for name in header:
        out.add_column(name)
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    console.print(out)


def _run(fn: Callable[[Database, int], T], workspace: str | None) -> T:
    with _db() as db:
        return fn(db, _workspace_id(db, workspace))


@app.command()
def summary(
    from_: FromOpt = None, to: ToOpt = None, hours: HoursOpt = "calendar",
    as_json: JsonOpt = False, as_csv: CsvOpt = False, workspace: WorkspaceOpt = None,
    channel_id: ChannelOpt = None, team_id: TeamOpt = None, agent_id: AgentOpt = None,
    category: CategoryOpt = None,
) -> None:  # fmt: skip
    """Every metric of docs/METRICS.md for the period (default: the last 7 days)."""
    from dmdesk.metrics import export, service

    def work(db: Database, ws: int) -> dict[str, Any]:
        flt = _filter(db, ws, start=from_, end=to, hours=hours, channel_id=channel_id,
                      team_id=team_id, agent_id=agent_id, category=category)  # fmt: skip
        return service.summary_with_trend(db, ws, flt)

    out = _run(work, workspace)
    if as_json:
        _print(out["metrics"])
    elif as_csv:
        typer.echo(export.to_csv(export.summary_table(out["metrics"])), nl=False)
    else:
        period = out["period"]
        _table(f"{period['from']} to {period['to']} ({out['hours']} hours)",
               export.summary_table(out["metrics"]))  # fmt: skip
    if out["hours"] == "business" and not out["business_hours_schedule"]:
        err_console.print("note: no business-hours schedule is set; business = calendar hours")


@app.command()
def volume(
    from_: FromOpt = None, to: ToOpt = None, granularity: str = "day",
    as_json: JsonOpt = False, as_csv: CsvOpt = False, workspace: WorkspaceOpt = None,
    channel_id: ChannelOpt = None,
) -> None:  # fmt: skip
    """Inbound messages and new conversations per day, week or hour."""
    from dmdesk.metrics import export, service

    def work(db: Database, ws: int) -> dict[str, Any]:
        flt = _filter(db, ws, start=from_, end=to, channel_id=channel_id)
        return service.volume_report(db, ws, flt, granularity=granularity)

    out = _run(work, workspace)
    header = ["period", "inbound_messages", "conversations_started"]
    table = (header, [[r.get(h, "") for h in header] for r in out["series"]])
    if as_json:
        _print(out)
    elif as_csv:
        typer.echo(export.to_csv(table), nl=False)
    else:
        _table(f"volume per {granularity}", table)


@app.command()
def agents(
    from_: FromOpt = None, to: ToOpt = None, hours: HoursOpt = "calendar",
    by: Annotated[str, typer.Option(help="agent, team, channel or category")] = "agent",
    as_json: JsonOpt = False, as_csv: CsvOpt = False, workspace: WorkspaceOpt = None,
) -> None:  # fmt: skip
    """Per-agent (or per team, channel, category) headline numbers."""
    from dmdesk.metrics import export, service

    def work(db: Database, ws: int) -> tuple[list[dict[str, Any]], dict[Any, str]]:
        flt = _filter(db, ws, start=from_, end=to, hours=hours)
        return service.breakdown_report(db, ws, flt, by=by)

    rows, names = _run(work, workspace)
    table = export.breakdown_table(by, rows, names)
    if as_json:
        _print([{**r, "name": names.get(r["key"], str(r["key"]))} for r in rows])
    elif as_csv:
        typer.echo(export.to_csv(table), nl=False)
    else:
        _table(f"per {by}", table)


@app.command()
def topics(
    from_: FromOpt = None, to: ToOpt = None,
    k: Annotated[int | None, typer.Option(help="Number of topics (default: automatic)")] = None,
    as_json: JsonOpt = False, workspace: WorkspaceOpt = None,
) -> None:  # fmt: skip
    """Frequent questions grouped into topics, ranked, with trend and examples."""
    from dmdesk.metrics import service

    def work(db: Database, ws: int) -> list[dict[str, Any]]:
        return service.topics_report(db, ws, _filter(db, ws, start=from_, end=to), k=k)

    rows = _run(work, workspace)
    if as_json:
        _print(rows)
        return
    _table("topics", (["label", "count", "previous", "trend", "example"],
                      [[t["label"], t["count"], t["previous_count"], t["trend"],
                        (t["examples"] or [""])[0][:80]] for t in rows]))  # fmt: skip


@app.command()
def spikes(as_json: JsonOpt = False, workspace: WorkspaceOpt = None) -> None:
    """Check for spikes now (recording new ones) and list those of the last 7 days."""
    from datetime import timedelta

    from dmdesk.domain.clock import utcnow
    from dmdesk.metrics.spikes import check_and_record, recent_spikes

    def work(db: Database, ws: int) -> list[dict[str, Any]]:
        now = utcnow()
        db.write(lambda s: check_and_record(s, now=now))
        with db.session() as s:
            return recent_spikes(s, ws, since=now - timedelta(days=7))

    rows = _run(work, workspace)
    if as_json:
        _print(rows)
        return
    for r in rows:
        console.print(f"channel {r['channel_id']} {r['day']} {r['hour']:02d}:00  {r['count']} DMs "
                      f"(usual {r['usual']:g}); words: "
                      f"{', '.join(w for w, _ in r['keywords'])}")  # fmt: skip
    if not rows:
        console.print("no spikes in the last 7 days")


@app.command("rebuild")
def rebuild_cmd() -> None:
    """Recompute every rollup from the event log (after changing business hours)."""
    from dmdesk.metrics.rollups import rebuild

    with _db() as db:
        cells = db.write(rebuild)
    console.print(f"rebuilt {cells} rollup cells from the event log")


@app.command("topics-eval")
def topics_eval(
    data: Annotated[Path, typer.Option(help="A text,category CSV")] = Path(
        "../shared/data/banking77/test.csv"
    ),
    intents: Annotated[int | None, typer.Option(help="Only the first N intents")] = None,
) -> None:
    """Score topic grouping against labelled intents (adjusted Rand index, NMI)."""
    from dmdesk.metrics.topics_eval import read_labelled, score_grouping

    if not data.exists():
        fail(f"{data} not found (BANKING77's test.csv)")
    texts, gold = read_labelled(data, intents=intents)
    _print(score_grouping(texts, gold).__dict__)
