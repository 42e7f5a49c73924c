"""Saved replies, macros, do-not-say rules, the live check, tone guidelines and approvals."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation
from dmdesk.actions import governance as gov
from dmdesk.actions import macros as macro_actions
from dmdesk.actions import replies as reply_actions
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.domain.governance import check_text, verdict
from dmdesk.domain.templating import render, render_html
from dmdesk.models.replies import ReplyApproval, SavedReply

router = APIRouter(tags=["replies"])


class SavedReplyIn(BaseModel):
    name: str = Field(max_length=120)
    body: str = Field(max_length=5000)
    team_id: int | None = None


class SendSavedIn(BaseModel):
    text: str | None = Field(default=None, max_length=20000)
    order_number: str | None = Field(default=None, max_length=64)


class MacroIn(BaseModel):
    name: str = Field(max_length=120)
    steps: list[dict[str, Any]]
    shared: bool = False


class DnsRuleIn(BaseModel):
    kind: str
    pattern: str = Field(max_length=300)
    reason: str = Field(default="", max_length=500)
    alternative: str | None = Field(default=None, max_length=500)
    effect: str = "block"
    topic: str | None = Field(default=None, max_length=40)


class CheckIn(BaseModel):
    text: str = Field(max_length=20000)


class SettingsIn(BaseModel):
    tone_guidelines: str | None = Field(default=None, max_length=10000)
    approval_user_ids: list[int] | None = None
    faq_enabled: bool | None = None
    faq_threshold: float | None = Field(default=None, ge=0, le=1)
    csat_enabled: bool | None = None


class DecisionIn(BaseModel):
    text: str | None = Field(default=None, max_length=20000)
    comment: str = Field(default="", max_length=5000)


def _reply_json(r: SavedReply) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "body": r.body,
        "team_id": r.team_id,
        "usage_count": r.usage_count,
    }


def _approval_json(a: ReplyApproval) -> dict[str, Any]:
    return {
        "id": a.id,
        "conversation_id": a.conversation_id,
        "author_id": a.author_id,
        "text": a.text,
        "status": a.status,
        "reasons": a.reasons,
        "comment": a.comment,
        "reviewer_id": a.reviewer_id,
        "message_id": a.message_id,
        "created_at": a.created_at.isoformat(),
    }


@router.get("/saved-replies")
def list_saved(services: ServicesDep, caller: CallerDep, q: str = "") -> dict[str, Any]:
    with services.db.session() as s:
        rows = reply_actions.search_saved_replies(s, user=caller.user, query=q)
        return {"items": [_reply_json(r) for r in rows]}


@router.post("/saved-replies", status_code=201)
def create_saved(body: SavedReplyIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    return services.db.write(
        lambda s: _reply_json(
            reply_actions.do_create_saved_reply(
                s,
                user=caller.user,
                name=body.name,
                body=body.body,
                team_id=body.team_id,
                at=services.clock(),
            )
        )
    )


@router.put("/saved-replies/{reply_id}")
def update_saved(
    reply_id: int, body: SavedReplyIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        reply = reply_actions.access_saved_reply(s, caller.user, reply_id)
        return _reply_json(
            reply_actions.do_update_saved_reply(
                s,
                user=caller.user,
                reply=reply,
                name=body.name,
                body=body.body,
                at=services.clock(),
            )
        )

    return services.db.write(work)


@router.delete("/saved-replies/{reply_id}", status_code=204)
def delete_saved(reply_id: int, services: ServicesDep, caller: CallerDep) -> None:
    services.db.write(
        lambda s: reply_actions.do_delete_saved_reply(
            s,
            user=caller.user,
            reply=reply_actions.access_saved_reply(s, caller.user, reply_id),
            at=services.clock(),
        )
    )


@router.get("/conversations/{conv_id}/saved-replies/{reply_id}/preview")
def preview_saved(
    conv_id: int, reply_id: int, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    with services.db.session() as s:
        conv = access_conversation(s, caller.user, conv_id)
        reply = reply_actions.access_saved_reply(s, caller.user, reply_id)
        values = reply_actions.template_values(s, conv=conv, agent=caller.user, at=services.clock())
    rendered = render(reply.body, values)
    return {
        "text": rendered.text,
        "html": render_html(reply.body, values),
        "unresolved": list(rendered.unresolved),
        "unknown": list(rendered.unknown),
        "can_send": rendered.ok,
    }


@router.post("/conversations/{conv_id}/saved-replies/{reply_id}/send", status_code=201)
def send_saved(
    conv_id: int, reply_id: int, body: SendSavedIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    extra = {"order.number": body.order_number} if body.order_number else None

    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        return reply_actions.do_send_saved_reply(
            s,
            conv=conv,
            saved_reply_id=reply_id,
            user=caller.user,
            at=services.clock(),
            text=body.text,
            extra=extra,
        ).as_json()

    return services.db.write(work)


@router.get("/macros")
def list_macros(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        rows = macro_actions.visible_macros(s, caller.user)
        return {
            "items": [
                {"id": m.id, "name": m.name, "steps": m.steps, "shared": m.owner_id is None}
                for m in rows
            ]
        }


@router.post("/macros", status_code=201)
def create_macro(body: MacroIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    macro = services.db.write(
        lambda s: macro_actions.do_create_macro(
            s,
            user=caller.user,
            name=body.name,
            steps=body.steps,
            shared=body.shared,
            at=services.clock(),
        )
    )
    return {"id": macro.id, "name": macro.name, "steps": macro.steps}


@router.post("/conversations/{conv_id}/macros/{macro_id}/run")
def run_macro(
    conv_id: int, macro_id: int, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        macro = macro_actions.access_macro(s, caller.user, macro_id)
        did = macro_actions.do_run_macro(
            s, macro=macro, conv=conv, user=caller.user, at=services.clock()
        )
        return {"did": did, "conversation_version": conv.version}

    return services.db.write(work)


@router.get("/governance/rules")
def list_rules(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        return {"items": [asdict(r) for r in gov.rule_specs(s, caller.user.workspace_id)]}


@router.post("/governance/rules", status_code=201)
def create_rule(body: DnsRuleIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    rule = services.db.write(
        lambda s: gov.do_create_do_not_say_rule(
            s, user=caller.user, at=services.clock(), **body.model_dump()
        )
    )
    return {"id": rule.id}


@router.delete("/governance/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: int, services: ServicesDep, caller: CallerDep) -> None:
    services.db.write(
        lambda s: gov.do_delete_do_not_say_rule(
            s, user=caller.user, rule_id=rule_id, at=services.clock()
        )
    )


@router.post("/governance/check")
def check(body: CheckIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """The live check while typing: findings with spans, and what a send would do."""
    with services.db.session() as s:
        specs = gov.rule_specs(s, caller.user.workspace_id)
    findings = check_text(body.text, specs)
    return {
        "findings": [asdict(f) for f in findings],
        "verdict": verdict(findings, author_needs_approval=False),
    }


@router.get("/governance/settings")
def get_settings(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    row = services.db.write(
        lambda s: gov.reply_settings(s, caller.user.workspace_id, at=services.clock())
    )
    return {
        "tone_guidelines": row.tone_guidelines,
        "approval_user_ids": row.approval_user_ids,
        "faq_enabled": row.faq_enabled,
        "faq_threshold": row.faq_threshold,
        "csat_enabled": row.csat_enabled,
    }


@router.patch("/governance/settings")
def patch_settings(body: SettingsIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    services.db.write(
        lambda s: gov.do_update_reply_settings(
            s, user=caller.user, changes=changes, at=services.clock()
        )
    )
    return get_settings(services, caller)


@router.get("/approvals")
def approvals(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        return {
            "items": [_approval_json(a) for a in gov.approval_queue(s, caller.user.workspace_id)]
        }


@router.get("/conversations/{conv_id}/approvals")
def conversation_approvals(
    conv_id: int, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    with services.db.session() as s:
        conv = access_conversation(s, caller.user, conv_id)
        return {"items": [_approval_json(a) for a in gov.conversation_approvals(s, conv.id)]}


@router.post("/approvals/{approval_id}/approve")
def approve(
    approval_id: int, body: DecisionIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        row = gov.access_approval(s, caller.user, approval_id)
        gov.do_approve_reply(
            s, approval=row, reviewer=caller.user, at=services.clock(), edited_text=body.text
        )
        return _approval_json(row)

    return services.db.write(work)


@router.post("/approvals/{approval_id}/reject")
def reject(
    approval_id: int, body: DecisionIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        row = gov.access_approval(s, caller.user, approval_id)
        return _approval_json(
            gov.do_reject_reply(
                s, approval=row, reviewer=caller.user, comment=body.comment, at=services.clock()
            )
        )

    return services.db.write(work)
