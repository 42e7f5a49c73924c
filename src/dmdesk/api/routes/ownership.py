"""Ownership API: team settings and hours, routing rules (CRUD, reorder, dry run), SLA
policies and lists, claim, hand-off and escalation of a conversation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation, access_team, access_user, require_role
from dmdesk.actions import assignment, escalation, routing, sla
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.domain.enums import Role
from dmdesk.models import User
from dmdesk.routing import views
from dmdesk.routing.escalations import deliver_escalation

router = APIRouter(tags=["ownership"])


class TeamSettingsIn(BaseModel):
    schedule: dict[str, Any] | None = None
    strategy: str | None = None
    allow_away: bool | None = None
    auto_assign: bool | None = None
    after_hours_reply: str | None = None
    reassign_after_minutes: int | None = None
    sla_policy_id: int | None = None


class RuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    definition: dict[str, Any] = Field(default_factory=dict)


class RulePatch(BaseModel):
    name: str | None = None
    enabled: bool | None = None
    definition: dict[str, Any] | None = None


class ReorderIn(BaseModel):
    rule_ids: list[int]


class DryRunIn(BaseModel):
    conversation_id: int


class PolicyIn(BaseModel):
    definition: dict[str, Any]
    is_default: bool = False


class HandOffIn(BaseModel):
    to_user_id: int | None = None
    to_team_id: int | None = None
    note: str = ""


class EmailReplyIn(BaseModel):
    to: str = Field(description="The address replied to: reply+<token>@<domain>")
    sender: str = Field(alias="from", max_length=320)
    text: str = Field(min_length=1, max_length=50_000)


class EscalateIn(BaseModel):
    kind: str
    target: str
    note: str = ""


def _settings_json(row: Any) -> dict[str, Any]:
    return {key: getattr(row, key) for key in ("team_id", *assignment.SETTING_FIELDS)}


def _rule_json(row: Any) -> dict[str, Any]:
    keys = ("id", "name", "enabled", "position", "definition")
    return {key: getattr(row, key) for key in keys}


@router.get("/teams/{team_id}/settings")
def get_team_settings(team_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        return _settings_json(assignment.team_settings(s, access_team(s, caller.user, team_id)))


@router.patch("/teams/{team_id}/settings")
def patch_team_settings(
    team_id: int, body: TeamSettingsIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    require_role(caller.user, Role.SUPERVISOR)
    changes = body.model_dump(exclude_unset=True)

    def work(s: Session) -> dict[str, Any]:
        team = access_team(s, caller.user, team_id)
        row = assignment.do_update_team_settings(
            s, team=team, changes=changes, at=services.clock(), actor_id=caller.user.id
        )
        return _settings_json(row)

    return services.db.write(work)


@router.get("/teams/{team_id}/hours")
def team_hours(team_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        return views.hours_json(s, access_team(s, caller.user, team_id), now=services.clock())


@router.get("/routing/rules")
def list_rules(services: ServicesDep, caller: CallerDep) -> list[dict[str, Any]]:
    with services.db.session() as s:
        return [_rule_json(r) for r in routing.rule_rows(s, caller.user.workspace_id)]


@router.post("/routing/rules", status_code=201)
def create_rule(body: RuleIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    require_role(caller.user, Role.SUPERVISOR)
    row = services.db.write(
        lambda s: routing.do_create_routing_rule(
            s,
            workspace_id=caller.user.workspace_id,
            name=body.name,
            definition=body.definition,
            enabled=body.enabled,
            at=services.clock(),
            actor_id=caller.user.id,
        )
    )
    return _rule_json(row)


@router.patch("/routing/rules/{rule_id}")
def update_rule(
    rule_id: int, body: RulePatch, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    require_role(caller.user, Role.SUPERVISOR)

    def work(s: Session) -> dict[str, Any]:
        row = routing.access_rule(s, caller.user.workspace_id, rule_id)
        return _rule_json(
            routing.do_update_routing_rule(
                s, row=row, at=services.clock(), actor_id=caller.user.id, **body.model_dump()
            )
        )

    return services.db.write(work)


@router.delete("/routing/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: int, services: ServicesDep, caller: CallerDep) -> None:
    require_role(caller.user, Role.SUPERVISOR)
    services.db.write(
        lambda s: routing.do_delete_routing_rule(
            s,
            row=routing.access_rule(s, caller.user.workspace_id, rule_id),
            at=services.clock(),
            actor_id=caller.user.id,
        )
    )


@router.post("/routing/rules/reorder")
def reorder_rules(
    body: ReorderIn, services: ServicesDep, caller: CallerDep
) -> list[dict[str, Any]]:
    require_role(caller.user, Role.SUPERVISOR)
    rows = services.db.write(
        lambda s: routing.do_reorder_routing_rules(
            s,
            workspace_id=caller.user.workspace_id,
            rule_ids=body.rule_ids,
            at=services.clock(),
            actor_id=caller.user.id,
        )
    )
    return [_rule_json(r) for r in rows]


@router.post("/routing/dry-run")
def dry_run(body: DryRunIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        return routing.dry_run(s, conv=access_conversation(s, caller.user, body.conversation_id))


@router.get("/sla/policies")
def list_policies(services: ServicesDep, caller: CallerDep) -> list[dict[str, Any]]:
    with services.db.session() as s:
        return sla.policies_json(s, caller.user.workspace_id)


@router.put("/sla/policies/{name}")
def save_policy(
    name: str, body: PolicyIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    require_role(caller.user, Role.ADMIN)
    row = services.db.write(
        lambda s: sla.do_save_sla_policy(
            s,
            workspace_id=caller.user.workspace_id,
            name=name,
            definition=body.definition,
            is_default=body.is_default,
            at=services.clock(),
            actor_id=caller.user.id,
        )
    )
    return {"id": row.id, "name": row.name, "is_default": row.is_default, **row.definition}


@router.get("/sla/breaching")
def breaching_soon(
    services: ServicesDep, caller: CallerDep, within_minutes: int = Query(60, ge=1, le=10080)
) -> list[dict[str, Any]]:
    with services.db.session() as s:
        return views.breaching_soon(
            s,
            workspace_id=caller.user.workspace_id,
            now=services.clock(),
            within=timedelta(minutes=within_minutes),
        )


@router.get("/sla/breached")
def breached(services: ServicesDep, caller: CallerDep) -> list[dict[str, Any]]:
    with services.db.session() as s:
        return views.breached(s, workspace_id=caller.user.workspace_id)


@router.get("/conversations/{conv_id}/sla")
def conversation_sla(conv_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        conv = access_conversation(s, caller.user, conv_id)
        return views.live_sla_json(s, conv, now=services.clock())


@router.post("/conversations/{conv_id}/claim")
def claim(conv_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        user = s.get_one(User, caller.user.id)
        assignment.do_claim_conversation(s, conv=conv, user=user, at=services.clock())
        return {"id": conv.id, "assignee_id": conv.assignee_id, "version": conv.version}

    return services.db.write(work)


@router.post("/conversations/{conv_id}/hand-off")
def hand_off(
    conv_id: int, body: HandOffIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        if body.to_user_id is not None:
            access_user(s, caller.user, body.to_user_id)
        if body.to_team_id is not None:
            access_team(s, caller.user, body.to_team_id)
        assignment.do_hand_off(
            s,
            conv=conv,
            actor=s.get_one(User, caller.user.id),
            to_user_id=body.to_user_id,
            to_team_id=body.to_team_id,
            note=body.note,
            at=services.clock(),
        )
        return {"id": conv.id, "assignee_id": conv.assignee_id, "team_id": conv.team_id}

    return services.db.write(work)


@router.post("/conversations/{conv_id}/escalations", status_code=201)
def escalate(
    conv_id: int,
    body: EscalateIn,
    background: BackgroundTasks,
    services: ServicesDep,
    caller: CallerDep,
) -> dict[str, Any]:
    def work(s: Session) -> int:
        conv = access_conversation(s, caller.user, conv_id)
        row = escalation.do_escalate(
            s,
            conv=conv,
            kind=body.kind,
            target=body.target,
            note=body.note,
            at=services.clock(),
            actor_id=caller.user.id,
        )
        return row.id

    esc_id = services.db.write(work)
    background.add_task(
        deliver_escalation,
        services.db,
        settings=services.settings,
        clock=services.clock,
        escalation_id=esc_id,
    )
    with services.db.session() as s:
        return next(e for e in views.escalations_json(s, conv_id) if e["id"] == esc_id)


@router.get("/conversations/{conv_id}/escalations")
def list_escalations(
    conv_id: int, services: ServicesDep, caller: CallerDep
) -> list[dict[str, Any]]:
    with services.db.session() as s:
        access_conversation(s, caller.user, conv_id)
        return views.escalations_json(s, conv_id)


@router.post("/escalations/email-replies", status_code=201)
def email_reply(body: EmailReplyIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """For an inbound-mail relay: a reply to an escalation e-mail, threaded back by the
    signed token in its address (an admin's API token authenticates the relay)."""
    require_role(caller.user, Role.ADMIN)
    local = body.to.strip().strip("<>").split("@", 1)[0]
    conv_id = escalation.conversation_of_reply_token(
        services.settings.effective_secret_key(), local.removeprefix("reply+")
    )

    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id or 0)
        note = escalation.do_record_email_reply(
            s, conv=conv, sender=body.sender, text=body.text, at=services.clock()
        )
        return {"conversation_id": conv.id, "note_id": note.id}

    return services.db.write(work)
