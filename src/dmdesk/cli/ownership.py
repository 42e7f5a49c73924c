"""`dmdesk team create|add-member|hours`, `dmdesk routing list|add`, `dmdesk sla set` and
`dmdesk jobs run-once`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dmdesk.cli.common import emit, fail, load_settings, open_db, write

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dmdesk.models import Team, Workspace

team_app = typer.Typer(help="Teams: members, hours, assignment.", no_args_is_help=True)
routing_app = typer.Typer(help="Routing rules.", no_args_is_help=True)
sla_app = typer.Typer(help="SLA policies.", no_args_is_help=True)
jobs_app = typer.Typer(help="Periodic jobs (SLA checks, reassignment...).", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON")]
WorkspaceOpt = Annotated[str | None, typer.Option(help="Workspace slug (default: the first)")]


def mount(app: typer.Typer) -> None:
    app.add_typer(team_app, name="team")
    app.add_typer(routing_app, name="routing")
    app.add_typer(sla_app, name="sla")
    app.add_typer(jobs_app, name="jobs")


def _workspace(s: Session, slug: str | None) -> Workspace:
    from sqlalchemy import select

    from dmdesk.domain.errors import NotFound
    from dmdesk.models import Workspace

    query = select(Workspace).order_by(Workspace.id)
    found = s.scalars(query.where(Workspace.slug == slug) if slug else query).first()
    if found is None:
        raise NotFound(f"no workspace {slug or ''}".strip())
    return found


def _team(s: Session, ws: Workspace, ref: str) -> Team:
    from dmdesk.actions import routing

    return routing.resolve_team(s, ws.id, ref=ref)


def _json_arg(value: str) -> Any:
    """Inline JSON, or @path to read it from a file."""
    text = Path(value[1:]).read_text() if value.startswith("@") else value
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"not valid JSON: {exc}")


@team_app.command("create")
def team_create(name: str, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Create a team."""
    from dmdesk.actions.teams import do_create_team
    from dmdesk.domain.clock import utcnow

    out = write(
        load_settings(),
        lambda s: {
            "id": (
                t := do_create_team(
                    s, workspace_id=_workspace(s, workspace).id, name=name, at=utcnow()
                )
            ).id,
            "name": t.name,
        },
    )
    emit(out, as_json=as_json, human=f"team {out['id']} {out['name']!r} created")


@team_app.command("add-member")
def team_add_member(team: str, email: str, workspace: WorkspaceOpt = None) -> None:
    """Add a user (by e-mail) to a team (by id or name)."""
    from sqlalchemy import select

    from dmdesk.actions.teams import do_add_team_member
    from dmdesk.domain.clock import utcnow
    from dmdesk.domain.errors import NotFound
    from dmdesk.models import User

    def work(s: Session) -> None:
        ws = _workspace(s, workspace)
        user = s.scalars(
            select(User).where(User.workspace_id == ws.id, User.email == email.lower())
        ).first()
        if user is None:
            raise NotFound(f"no user {email}")
        do_add_team_member(
            s, workspace_id=ws.id, team_id=_team(s, ws, team).id, user_id=user.id, at=utcnow()
        )

    write(load_settings(), work)
    emit({}, as_json=False, human=f"{email} is in {team}")


@team_app.command("hours")
def team_hours(
    team: str,
    schedule: Annotated[str, typer.Argument(help="Schedule JSON, or @file.json")],
    strategy: Annotated[str | None, typer.Option(help="round_robin or least_loaded")] = None,
    after_hours_reply: Annotated[
        str | None, typer.Option(help="Text; {next_opening} is filled in")
    ] = None,
    reassign_after: Annotated[
        int | None, typer.Option(help="Minutes away before reassigning")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Set a team's hours (and optionally its assignment settings)."""
    from dmdesk.actions import assignment
    from dmdesk.domain.clock import utcnow

    changes: dict[str, Any] = {"schedule": _json_arg(schedule)}
    optional = {
        "strategy": strategy,
        "after_hours_reply": after_hours_reply,
        "reassign_after_minutes": reassign_after,
    }
    changes.update({k: v for k, v in optional.items() if v is not None})

    def work(s: Session) -> str:
        ws = _workspace(s, workspace)
        row = assignment.do_update_team_settings(
            s, team=_team(s, ws, team), changes=changes, at=utcnow(), actor_id=None
        )
        return row.timezone

    zone = write(load_settings(), work)
    emit({}, as_json=False, human=f"hours of {team} set ({zone})")


@routing_app.command("list")
def routing_list(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The routing rules in evaluation order."""
    from dmdesk.actions import routing

    db = open_db(load_settings())
    try:
        with db.session() as s:
            rows = routing.rule_rows(s, _workspace(s, workspace).id)
            out = [
                {
                    "id": r.id,
                    "position": r.position,
                    "name": r.name,
                    "enabled": r.enabled,
                    "definition": r.definition,
                }
                for r in rows
            ]
    finally:
        db.close()
    human = "\n".join(
        f"{r['position']:>3}  #{r['id']}  {r['name']}{'' if r['enabled'] else ' (off)'}"
        for r in out
    )
    emit({"rules": out}, as_json=as_json, human=human or "no routing rules")


@routing_app.command("add")
def routing_add(
    name: str,
    definition: Annotated[str, typer.Argument(help="Rule JSON (conditions, actions), or @file")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Add a rule at the end of the order."""
    from dmdesk.actions import routing
    from dmdesk.domain.clock import utcnow

    parsed = _json_arg(definition)
    rule_id = write(
        load_settings(),
        lambda s: (
            routing.do_create_routing_rule(
                s,
                workspace_id=_workspace(s, workspace).id,
                name=name,
                definition=parsed,
                at=utcnow(),
            ).id
        ),
    )
    emit({"id": rule_id}, as_json=False, human=f"rule #{rule_id} {name!r} added")


@sla_app.command("set")
def sla_set(
    name: str,
    definition: Annotated[str, typer.Argument(help="Policy JSON (hours, targets...), or @file")],
    default: Annotated[bool, typer.Option(help="Use it for teams without their own")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create or replace an SLA policy."""
    from dmdesk.actions import sla
    from dmdesk.domain.clock import utcnow

    parsed = _json_arg(definition)
    policy_id = write(
        load_settings(),
        lambda s: (
            sla.do_save_sla_policy(
                s,
                workspace_id=_workspace(s, workspace).id,
                name=name,
                definition=parsed,
                is_default=default,
                at=utcnow(),
            ).id
        ),
    )
    emit({"id": policy_id}, as_json=False, human=f"SLA policy #{policy_id} {name!r} saved")


@jobs_app.command("run-once")
def jobs_run_once(as_json: JsonOpt = False) -> None:
    """Run every periodic job once (for cron, or to catch up)."""
    from dmdesk.services import build_services

    services = build_services(load_settings())
    try:
        outcome = services.scheduler.run_once(services)
    finally:
        services.stop()
    emit(outcome, as_json=as_json, human="\n".join(f"{k}: {v}" for k, v in outcome.items()))
