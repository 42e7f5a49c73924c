"""Settings for replies and automation: saved replies, do-not-say rules, tone, approvals,
FAQ entries, and the automation rules with their state. Forms post to thin handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions import faq as faq_actions
from dmdesk.actions import governance as gov
from dmdesk.actions import replies as reply_actions
from dmdesk.actions.keyword_flows import flows_of
from dmdesk.auth import Caller
from dmdesk.domain.errors import DomainError
from dmdesk.models.replies import AutomationRule
from dmdesk.services import Services
from dmdesk.web.deps import FormCaller, PageCaller, ServicesDep
from dmdesk.web.templating import NavLink, register_nav, render

router = APIRouter(include_in_schema=False)
register_nav(NavLink("replies", "Replies & automation", "/settings/replies", "reply"))
PAGE = "/settings/replies"


def _done(message: str = "") -> Response:
    suffix = f"?note={message}" if message else ""
    return RedirectResponse(PAGE + suffix, status_code=303)


def _act(services: Services, fn: Callable[[Session], Any]) -> Response:
    """Run one action; a refusal comes back to the page as its message."""
    try:
        services.db.write(fn)
    except DomainError as exc:
        return _done(exc.message[:200])
    return _done("saved")


@router.get(PAGE)
def page(request: Request, caller: PageCaller, services: ServicesDep, note: str = "") -> Response:
    ws = caller.user.workspace_id
    with services.db.session() as s:
        data: dict[str, Any] = {
            "saved": reply_actions.search_saved_replies(s, user=caller.user, limit=200),
            "rules": gov.rule_specs(s, ws),
            "approvals": gov.approval_queue(s, ws),
            "faq": faq_actions.faq_entries(s, ws),
            "automations": list(
                s.scalars(
                    select(AutomationRule)
                    .where(AutomationRule.workspace_id == ws)
                    .order_by(AutomationRule.id)
                )
            ),
            "flows": flows_of(s, ws),
        }
    settings = services.db.write(lambda s: gov.reply_settings(s, ws, at=services.clock()))
    return render(
        request,
        "settings/replies.html",
        caller=caller,
        settings=settings,
        note=note[:200],
        active_page="replies",
        **data,
    )


@router.post(PAGE + "/saved")
def add_saved(
    caller: FormCaller, services: ServicesDep, name: str = Form(""), body: str = Form("")
) -> Response:
    return _act(
        services,
        lambda s: reply_actions.do_create_saved_reply(
            s, user=caller.user, name=name, body=body, at=services.clock()
        ),
    )


@router.post(PAGE + "/rules")
def add_rule(
    caller: FormCaller,
    services: ServicesDep,
    kind: str = Form("word"),
    pattern: str = Form(""),
    reason: str = Form(""),
    alternative: str = Form(""),
    effect: str = Form("block"),
) -> Response:
    return _act(
        services,
        lambda s: gov.do_create_do_not_say_rule(
            s,
            user=caller.user,
            kind=kind,
            pattern=pattern,
            reason=reason,
            alternative=alternative or None,
            effect=effect,
            at=services.clock(),
        ),
    )


@router.post(PAGE + "/rules/{rule_id}/delete")
def delete_rule(rule_id: int, caller: FormCaller, services: ServicesDep) -> Response:
    return _act(
        services,
        lambda s: gov.do_delete_do_not_say_rule(
            s, user=caller.user, rule_id=rule_id, at=services.clock()
        ),
    )


@router.post(PAGE + "/tone")
def save_tone(
    caller: FormCaller, services: ServicesDep, tone_guidelines: str = Form("")
) -> Response:
    return _act(
        services,
        lambda s: gov.do_update_reply_settings(
            s,
            user=caller.user,
            changes={"tone_guidelines": tone_guidelines[:10000]},
            at=services.clock(),
        ),
    )


@router.post(PAGE + "/approvals/{approval_id}/{decision}")
def decide(
    approval_id: int,
    decision: str,
    caller: FormCaller,
    services: ServicesDep,
    text: str = Form(""),
    comment: str = Form(""),
) -> Response:
    return _act(
        services, lambda s: _decide(s, caller, approval_id, decision, text, comment, services)
    )


def _decide(
    s: Session,
    caller: Caller,
    approval_id: int,
    decision: str,
    text: str,
    comment: str,
    services: Services,
) -> None:
    row = gov.access_approval(s, caller.user, approval_id)
    if decision == "approve":
        gov.do_approve_reply(
            s, approval=row, reviewer=caller.user, at=services.clock(), edited_text=text or None
        )
    else:
        gov.do_reject_reply(
            s, approval=row, reviewer=caller.user, comment=comment, at=services.clock()
        )


@router.post(PAGE + "/faq")
def add_faq(
    caller: FormCaller,
    services: ServicesDep,
    question: str = Form(""),
    answer: str = Form(""),
    variants: str = Form(""),
) -> Response:
    return _act(
        services,
        lambda s: faq_actions.do_create_faq_entry(
            s,
            user=caller.user,
            question=question,
            answer=answer,
            variants=variants.splitlines(),
            at=services.clock(),
        ),
    )
