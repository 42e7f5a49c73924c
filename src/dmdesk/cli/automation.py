"""`dmdesk saved-reply | faq | rule | automation`: replies, FAQ (import, eval), rules, ticks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dmdesk.cli.common import console, emit, fail, load_settings, open_db, write

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dmdesk.models import User

saved_app = typer.Typer(help="Saved replies.", no_args_is_help=True)
faq_app = typer.Typer(help="FAQ knowledge base: import, list, evaluate.", no_args_is_help=True)
rule_app = typer.Typer(help="Automation rules.", no_args_is_help=True)
auto_app = typer.Typer(help="Automation jobs.", no_args_is_help=True)
flow_app = typer.Typer(help="Keyword flows (multi-step, quick replies).", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
AsOpt = Annotated[str | None, typer.Option("--as", help="Acting user's e-mail (default: admin)")]
DEFAULT_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"


def mount(app: typer.Typer) -> None:
    app.add_typer(saved_app, name="saved-reply")
    app.add_typer(faq_app, name="faq")
    app.add_typer(rule_app, name="rule")
    app.add_typer(auto_app, name="automation")
    app.add_typer(flow_app, name="flow")


def _actor(s: Session, email: str | None) -> User:
    from sqlalchemy import select

    from dmdesk.models import User

    query = select(User).where(User.is_active.is_(True)).order_by(User.id)
    if email:
        query = query.where(User.email == email.strip().lower())
    else:
        query = query.where(User.role == "admin")
    user = s.scalars(query).first()
    if user is None:
        fail(f"no user {email!r}" if email else "no admin user: create one first")
    return user


@saved_app.command("create")
def saved_create(
    name: Annotated[str, typer.Option(help="Name shown in the / picker")],
    body: Annotated[str, typer.Option(help="Text with {{variables}}")],
    team_id: Annotated[int | None, typer.Option(help="Only for this team")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a saved reply."""
    from dmdesk.actions.replies import do_create_saved_reply
    from dmdesk.domain.clock import utcnow

    def work(s: Session) -> dict[str, Any]:
        reply = do_create_saved_reply(
            s, user=_actor(s, as_user), name=name, body=body, team_id=team_id, at=utcnow()
        )
        return {"id": reply.id, "name": reply.name}

    out = write(load_settings(), work)
    emit(out, as_json=as_json, human=f"saved reply {out['id']} created")


@saved_app.command("list")
def saved_list(
    query: Annotated[str, typer.Option(help="Search name and text")] = "",
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List saved replies, most used first."""
    from dmdesk.actions.replies import search_saved_replies

    db = open_db(load_settings())
    try:
        with db.session() as s:
            rows = search_saved_replies(s, user=_actor(s, as_user), query=query, limit=200)
            items = [
                {"id": r.id, "name": r.name, "uses": r.usage_count, "body": r.body} for r in rows
            ]
    finally:
        db.close()
    if as_json:
        typer.echo(json.dumps(items))
        return
    for r in items:
        console.print(f"{r['id']:>5}  {r['name']:<30} {r['uses']:>5} uses")


@faq_app.command("import")
def faq_import(
    path: Annotated[Path, typer.Argument(help="CSV with question, answer[, variants a|b]")],
    as_user: AsOpt = None,
) -> None:
    """Import FAQ entries from a CSV file."""
    from dmdesk.actions.faq import do_import_faq_csv
    from dmdesk.domain.clock import utcnow

    text = path.read_text(encoding="utf-8-sig")
    count = write(
        load_settings(),
        lambda s: do_import_faq_csv(s, user=_actor(s, as_user), text=text, at=utcnow()),
    )
    console.print(f"[green]{count} FAQ entries imported[/]")


@faq_app.command("eval")
def faq_eval(
    dataset: Annotated[str, typer.Option(help="clinc150 or banking77")] = "clinc150",
    threshold: Annotated[float | None, typer.Option(help="Answer at or above this")] = None,
    margin: Annotated[float | None, typer.Option(help="Lead over the runner-up")] = None,
    data_dir: Annotated[Path, typer.Option(help="Folder holding the datasets")] = DEFAULT_DATA,
    as_json: JsonOpt = False,
) -> None:
    """Answer rate, wrong-answer rate and out-of-scope hand-off on a public dataset."""
    from dmdesk.rules.faq_eval import evaluate, load
    from dmdesk.rules.faq_matcher import DEFAULT_MARGIN, DEFAULT_THRESHOLD

    try:
        data = load(dataset, data_dir)
    except FileNotFoundError:
        fail(f"{dataset} is not in {data_dir}: skipped")
    except ValueError as exc:
        fail(str(exc))
    report = evaluate(
        data,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        margin=DEFAULT_MARGIN if margin is None else margin,
    ).as_json()
    if as_json:
        typer.echo(json.dumps(report))
        return
    for key, value in report.items():
        console.print(f"{key:<22} {value}")


@rule_app.command("create")
def rule_create(
    name: Annotated[str, typer.Option(help="Rule name")],
    definition: Annotated[Path, typer.Option(help="JSON file: trigger, conditions, actions")],
    as_user: AsOpt = None,
) -> None:
    """Create an automation rule from a JSON definition."""
    from pydantic import ValidationError

    from dmdesk.actions.automation import do_create_rule
    from dmdesk.domain.clock import utcnow
    from dmdesk.rules.definitions import RuleDefinition

    try:
        parsed = RuleDefinition.model_validate_json(definition.read_text(encoding="utf-8"))
    except ValidationError as exc:
        fail(f"invalid rule: {exc}")
    from dmdesk.db.secretbox import SecretBox

    data = parsed.model_dump(mode="json", exclude_none=True)
    settings = load_settings()
    box = SecretBox(settings.effective_secret_key())
    rule = write(
        settings,
        lambda s: do_create_rule(
            s, user=_actor(s, as_user), name=name, definition=data, at=utcnow(), box=box
        ),
    )
    console.print(f"[green]rule {rule.id} created[/]")


@rule_app.command("list")
def rule_list(as_json: JsonOpt = False) -> None:
    """List rules with their state and why a rule was disabled."""
    from sqlalchemy import select

    from dmdesk.models.replies import AutomationRule

    db = open_db(load_settings())
    try:
        with db.session() as s:
            items = [
                {
                    "id": r.id,
                    "name": r.name,
                    "enabled": r.enabled,
                    "runs": r.run_count,
                    "disabled_reason": r.disabled_reason,
                }
                for r in s.scalars(select(AutomationRule).order_by(AutomationRule.id))
            ]
    finally:
        db.close()
    if as_json:
        typer.echo(json.dumps(items))
        return
    for r in items:
        state = "on" if r["enabled"] else f"off ({r['disabled_reason'] or 'by hand'})"
        console.print(f"{r['id']:>5}  {r['name']:<30} {r['runs']:>6} runs  {state}")


@auto_app.command("tick")
def tick(as_json: JsonOpt = False) -> None:
    """Run due follow-ups and 'no reply' rules, and deliver queued webhooks (cron: 1/min)."""
    from dataclasses import asdict

    from dmdesk.db.secretbox import SecretBox
    from dmdesk.domain.clock import utcnow
    from dmdesk.rules.jobs import deliver_webhooks, run_due_followups

    settings = load_settings()
    db = open_db(settings)
    db.start()

    class _Svc:
        def __init__(self) -> None:
            self.db = db
            self.clock = utcnow
            self.box = SecretBox(settings.effective_secret_key())

    try:
        report = run_due_followups(_Svc())
        deliver_webhooks(_Svc(), report=report)
    finally:
        db.close()
    emit(asdict(report), as_json=as_json, human=str(asdict(report)))


@flow_app.command("create")
def flow_create(
    keyword: Annotated[str, typer.Option(help="The word a person sends to start the flow")],
    purpose: Annotated[str, typer.Option(help="Consent purpose recorded by the flow")],
    steps: Annotated[Path, typer.Option(help="JSON file: a list of steps (see docs)")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a keyword flow from a JSON list of steps (validated before saving)."""
    from pydantic import ValidationError

    from dmdesk.actions.keyword_flows import do_create_keyword_flow
    from dmdesk.domain.clock import utcnow
    from dmdesk.rules.flow_steps import FlowSteps, describe

    try:
        raw = json.loads(steps.read_text(encoding="utf-8"))
        parsed = FlowSteps.model_validate({"steps": raw})
    except (ValueError, ValidationError) as exc:
        fail(f"invalid flow: {exc}")
    data = describe(parsed)

    def work(s: Session) -> dict[str, Any]:
        flow = do_create_keyword_flow(
            s,
            user=_actor(s, as_user),
            keyword=keyword,
            purpose=purpose,
            reply_text="",
            at=utcnow(),
            steps=data,
        )
        return {"id": flow.id, "keyword": flow.keyword, "steps": len(data)}

    made = write(load_settings(), work)
    emit(made, as_json=as_json, human=f"flow {made['id']} created ({made['keyword'].upper()})")


@flow_app.command("list")
def flow_list(as_json: JsonOpt = False) -> None:
    """List keyword flows with their steps."""
    from sqlalchemy import select

    from dmdesk.actions.keyword_flows import flows_of
    from dmdesk.models.replies import KeywordFlow
    from dmdesk.rules.flows import steps_of

    db = open_db(load_settings())
    try:
        with db.session() as s:
            workspaces = set(s.scalars(select(KeywordFlow.workspace_id)))
            items: list[dict[str, Any]] = [
                {
                    "id": f.id,
                    "keyword": f.keyword,
                    "purpose": f.purpose,
                    "enabled": f.enabled,
                    "steps": [st.id for st in steps_of(f).steps],
                }
                for ws in sorted(workspaces)
                for f in flows_of(s, ws)
            ]
    finally:
        db.close()
    if as_json:
        typer.echo(json.dumps(items))
        return
    for f in items:
        steps = " -> ".join(f["steps"])
        console.print(f"{f['id']:>5}  {f['keyword'].upper():<16} {f['purpose']:<16} {steps}")
