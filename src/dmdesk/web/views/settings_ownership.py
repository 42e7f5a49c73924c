"""Settings for ownership: teams (hours, assignment, after-hours reply), routing rules in
order, and SLA policies. Forms post to thin handlers that call the actions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.access import access_team, require_role
from dmdesk.actions import assignment, routing, sla
from dmdesk.auth import Caller
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import DomainError, Invalid
from dmdesk.models import Team
from dmdesk.routing import views
from dmdesk.services import Services
from dmdesk.web.deps import FormCaller, PageCaller, ServicesDep
from dmdesk.web.templating import NavLink, register_nav, render

router = APIRouter(include_in_schema=False)
register_nav(NavLink("ownership", "Teams & SLAs", "/settings/ownership", "route"))
PAGE = "/settings/ownership"


def _json(text: str, field: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError as exc:
        raise Invalid(f"{field} is not valid JSON: {exc.msg}", field=field) from exc


def _act(services: Services, caller: Caller, fn: Callable[[Session], Any]) -> Response:
    """Run one action as a supervisor; a refusal comes back to the page as its message."""
    try:
        require_role(caller.user, Role.SUPERVISOR)
        services.db.write(fn)
    except DomainError as exc:
        return RedirectResponse(f"{PAGE}?note={exc.message[:200]}", status_code=303)
    return RedirectResponse(f"{PAGE}?note=saved", status_code=303)


@router.get(PAGE)
def page(request: Request, caller: PageCaller, services: ServicesDep, note: str = "") -> Response:
    ws, now = caller.user.workspace_id, services.clock()
    with services.db.session() as s:
        teams = s.scalars(select(Team).where(Team.workspace_id == ws).order_by(Team.name)).all()
        data: dict[str, Any] = {
            "teams": [
                {
                    "team": t,
                    "settings": assignment.team_settings(s, t),
                    "hours": views.hours_json(s, t, now=now),
                }
                for t in teams
            ],
            "rules": routing.rule_rows(s, ws),
            "policies": sla.policies_json(s, ws),
            "breached": len(views.breached(s, workspace_id=ws)),
        }
    return render(
        request,
        "settings/ownership.html",
        caller=caller,
        note=note[:200],
        active_page="ownership",
        json=json,
        **data,
    )


@router.post(PAGE + "/teams/{team_id}")
def save_team(
    team_id: int,
    caller: FormCaller,
    services: ServicesDep,
    strategy: str = Form("round_robin"),
    schedule: str = Form(""),
    after_hours_reply: str = Form(""),
    reassign_after_minutes: str = Form(""),
    allow_away: str = Form(""),
) -> Response:
    def work(s: Session) -> None:
        changes = {
            "strategy": strategy,
            "schedule": _json(schedule, "schedule"),
            "after_hours_reply": after_hours_reply.strip() or None,
            "reassign_after_minutes": int(reassign_after_minutes)
            if reassign_after_minutes.strip().isdigit()
            else None,
            "allow_away": allow_away == "on",
        }
        team = access_team(s, caller.user, team_id)
        assignment.do_update_team_settings(
            s, team=team, changes=changes, at=services.clock(), actor_id=caller.user.id
        )

    return _act(services, caller, work)


@router.post(PAGE + "/rules")
def add_rule(
    caller: FormCaller, services: ServicesDep, name: str = Form(""), definition: str = Form("")
) -> Response:
    return _act(
        services,
        caller,
        lambda s: routing.do_create_routing_rule(
            s,
            workspace_id=caller.user.workspace_id,
            name=name,
            definition=_json(definition, "definition") or {},
            at=services.clock(),
            actor_id=caller.user.id,
        ),
    )


@router.post(PAGE + "/rules/{rule_id}/{verb}")
def change_rule(rule_id: int, verb: str, caller: FormCaller, services: ServicesDep) -> Response:
    def work(s: Session) -> None:
        ws, at, actor = caller.user.workspace_id, services.clock(), caller.user.id
        row = routing.access_rule(s, ws, rule_id)
        if verb == "toggle":
            routing.do_update_routing_rule(
                s, row=row, enabled=not row.enabled, at=at, actor_id=actor
            )
        elif verb == "delete":
            routing.do_delete_routing_rule(s, row=row, at=at, actor_id=actor)
        elif verb in ("up", "down"):
            ids = [r.id for r in routing.rule_rows(s, ws)]
            i = ids.index(rule_id)
            j = max(0, i - 1) if verb == "up" else min(len(ids) - 1, i + 1)
            ids[i], ids[j] = ids[j], ids[i]
            routing.do_reorder_routing_rules(
                s, workspace_id=ws, rule_ids=ids, at=at, actor_id=actor
            )
        else:
            raise Invalid("unknown change", field="verb")

    return _act(services, caller, work)


@router.post(PAGE + "/sla")
def save_policy(
    caller: FormCaller,
    services: ServicesDep,
    name: str = Form(""),
    definition: str = Form(""),
    is_default: str = Form(""),
) -> Response:
    return _act(
        services,
        caller,
        lambda s: sla.do_save_sla_policy(
            s,
            workspace_id=caller.user.workspace_id,
            name=name.strip() or "Standard",
            definition=_json(definition, "definition") or {},
            is_default=is_default == "on",
            at=services.clock(),
            actor_id=caller.user.id,
        ),
    )
