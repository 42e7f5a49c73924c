"""Settings: automation rules (event -> conditions -> actions) and keyword flows. List, create,
edit, enable/disable, reorder and delete (admins write); test a rule against a past
conversation before saving (dry run); each rule's run log and why it was disabled."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation, require_role
from dmdesk.actions import automation as auto
from dmdesk.actions import keyword_flows as flows
from dmdesk.auth import Caller
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import DomainError, Invalid
from dmdesk.models.replies import AutomationRule
from dmdesk.rules.definitions import FIELDS, RuleDefinition
from dmdesk.rules.engine import RuleEngine
from dmdesk.rules.faq import FaqResponder
from dmdesk.rules.flow_steps import FlowSteps, describe
from dmdesk.rules.flows import steps_of
from dmdesk.services import Services
from dmdesk.web.deps import FormCaller, PageCaller, ServicesDep
from dmdesk.web.templating import NavLink, register_nav, render

router = APIRouter(include_in_schema=False)
register_nav(NavLink("automation", "Automation", "/settings/automation", "bolt"))
PAGE = "/settings/automation"
EXAMPLE_RULE = {
    "trigger": {"event": "message_created"},
    "match": "all",
    "conditions": [{"field": "message.text", "op": "contains", "value": "refund"}],
    "actions": [{"action": "tag", "tag": "refund"}, {"action": "set_priority", "priority": "high"}],
}
EXAMPLE_FLOW = [
    {
        "id": "start",
        "text": "Which guide would you like?",
        "options": [{"title": "Skincare", "next": "skin"}, {"title": "Haircare", "next": "hair"}],
    },
    {"id": "skin", "text": "Here it is: https://example.com/skin", "consent": True},
    {"id": "hair", "text": "Here it is: https://example.com/hair", "consent": True},
]


@dataclass
class Editor:
    """A rule or flow form as typed, with its errors (field -> message) and a dry run."""

    target: str  # "rule-new", "rule-<id>", "flow-new", "flow-<id>"
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    dry_run: dict[str, Any] | None = None


def _pretty(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _rule_editor(rule: AutomationRule | None) -> Editor:
    if rule is None:
        return Editor("rule-new", {"name": "", "definition": _pretty(EXAMPLE_RULE)})
    try:
        shown = RuleDefinition.model_validate(rule.definition).public()
    except ValidationError:
        shown = {k: v for k, v in rule.definition.items() if k != "owner_id"}
    return Editor(f"rule-{rule.id}", {"name": rule.name, "definition": _pretty(shown)})


def _page(
    request: Request,
    caller: Caller,
    services: Services,
    *,
    status_code: int = 200,
    note: str = "",
    editor: Editor | None = None,
    runs_of: int | None = None,
) -> Response:
    ws = caller.user.workspace_id
    with services.db.session() as s:
        rules = list(
            s.scalars(
                select(AutomationRule)
                .where(AutomationRule.workspace_id == ws)
                .order_by(AutomationRule.position, AutomationRule.id)
            )
        )
        runs = auto.rule_runs(s, runs_of) if runs_of in {r.id for r in rules} else None
        flow_rows = [(f, describe(steps_of(f))) for f in flows.flows_of(s, ws)]
    return render(
        request,
        "settings/automation.html",
        status_code=status_code,
        caller=caller,
        active_page="automation",
        can_edit=Role(caller.user.role).at_least(Role.ADMIN),
        rules=rules,
        flows=flow_rows,
        runs=runs,
        runs_of=runs_of,
        editor=editor,
        fields=FIELDS,
        note=note[:200],
        example_flow=_pretty(EXAMPLE_FLOW),
    )


@router.get(PAGE)
def page(
    request: Request,
    caller: PageCaller,
    services: ServicesDep,
    note: str = "",
    edit: str = "",
    runs: int | None = None,
) -> Response:
    editor = None
    if edit.startswith("rule-"):
        with services.db.session() as s:
            rule_id = int(edit[5:]) if edit[5:].isdigit() else 0
            editor = _rule_editor(auto.access_rule(s, caller.user, rule_id) if rule_id else None)
    elif edit.startswith("flow-"):
        editor = _flow_editor(services, caller, edit[5:])
    return _page(request, caller, services, note=note, editor=editor, runs_of=runs)


def _flow_editor(services: Services, caller: Caller, which: str) -> Editor:
    if not which.isdigit():
        values = {"keyword": "", "purpose": "", "steps": _pretty(EXAMPLE_FLOW)}
        return Editor("flow-new", values)
    with services.db.session() as s:
        flow = flows.access_flow(s, caller.user, int(which))
        values = {
            "keyword": flow.keyword,
            "purpose": flow.purpose,
            "steps": _pretty(describe(steps_of(flow))),
        }
    return Editor(f"flow-{which}", values)


def _done(note: str = "Saved") -> Response:
    return RedirectResponse(f"{PAGE}?note={note}", status_code=303)


def _write(
    request: Request,
    caller: Caller,
    services: Services,
    work: Callable[[Session], Any],
    *,
    editor: Editor | None = None,
) -> Response:
    """One admin write; a refusal comes back next to the field at fault."""
    try:
        require_role(caller.user, Role.ADMIN)
        services.db.write(work)
    except Invalid as exc:
        if editor is None:
            return _page(request, caller, services, status_code=400, note=exc.message)
        editor.errors[exc.field or "name"] = exc.message
        return _page(request, caller, services, status_code=400, editor=editor)
    except DomainError as exc:
        return _page(request, caller, services, status_code=exc.status, note=exc.message)
    return _done()


def _parse_rule(editor: Editor) -> RuleDefinition | None:
    try:
        data = json.loads(editor.values["definition"])
        return RuleDefinition.model_validate(data)
    except json.JSONDecodeError as exc:
        editor.errors["definition"] = f"not valid JSON: {exc.msg} (line {exc.lineno})"
    except ValidationError as exc:
        editor.errors["definition"] = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'rule'}: {e['msg']}" for e in exc.errors()
        )[:600]
    return None


@router.post(PAGE + "/rules")
def save_rule(
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    target: str = Form("rule-new"),
    name: str = Form(""),
    definition: str = Form(""),
    conversation_id: str = Form(""),
    intent: str = Form("save"),
) -> Response:
    values = {"name": name, "definition": definition, "conversation_id": conversation_id}
    editor = Editor(target if target.startswith("rule-") else "rule-new", values)
    parsed = _parse_rule(editor)
    if not name.strip() and intent == "save":
        editor.errors["name"] = "a rule needs a name"
    if parsed is None or editor.errors:
        return _page(request, caller, services, status_code=400, editor=editor)
    if intent == "test":
        return _dry_run(request, caller, services, editor, parsed)
    data = parsed.model_dump(mode="json", exclude_none=True)
    rule_id = int(editor.target[5:]) if editor.target[5:].isdigit() else None

    def work(s: Session) -> None:
        if rule_id is None:
            auto.do_create_rule(
                s,
                user=caller.user,
                name=name,
                definition=data,
                at=services.clock(),
                box=services.box,
            )
            return
        rule = auto.access_rule(s, caller.user, rule_id)
        auto.do_update_rule(
            s,
            user=caller.user,
            rule=rule,
            at=services.clock(),
            box=services.box,
            definition=data,
            name=name,
        )

    return _write(request, caller, services, work, editor=editor)


def _dry_run(
    request: Request, caller: Caller, services: Services, editor: Editor, parsed: RuleDefinition
) -> Response:
    """What the rule would do on a past conversation; nothing is written."""
    conv_text = str(editor.values.get("conversation_id") or "").strip()
    if not conv_text.isdigit():
        editor.errors["conversation_id"] = "give the number of a past conversation"
        return _page(request, caller, services, status_code=400, editor=editor)
    engine = RuleEngine(db=services.db, clock=services.clock, faq=FaqResponder())
    try:
        with services.db.session() as s:
            conv = access_conversation(s, caller.user, int(conv_text))
            editor.dry_run = engine.dry_run(s, parsed, conv)
    except DomainError:
        editor.errors["conversation_id"] = f"conversation {conv_text} was not found"
        return _page(request, caller, services, status_code=400, editor=editor)
    return _page(request, caller, services, editor=editor)


@router.post(PAGE + "/rules/{rule_id}/{change}")
def change_rule(
    request: Request, rule_id: int, change: str, caller: FormCaller, services: ServicesDep
) -> Response:
    """enable | disable | delete | up | down"""

    def work(s: Session) -> None:
        rule = auto.access_rule(s, caller.user, rule_id)
        at = services.clock()
        if change in ("enable", "disable"):
            auto.do_update_rule(
                s, user=caller.user, rule=rule, at=at, box=services.box, enabled=change == "enable"
            )
        elif change == "delete":
            auto.do_delete_rule(s, user=caller.user, rule=rule, at=at)
        elif change in ("up", "down"):
            _move(s, caller, rule_id, -1 if change == "up" else 1, at=at)
        else:
            raise Invalid(f"unknown change {change}", field="change")

    return _write(request, caller, services, work)


def _move(s: Session, caller: Caller, rule_id: int, step: int, *, at: Any) -> None:
    ids = list(
        s.scalars(
            select(AutomationRule.id)
            .where(AutomationRule.workspace_id == caller.user.workspace_id)
            .order_by(AutomationRule.position, AutomationRule.id)
        )
    )
    i = ids.index(rule_id)
    j = max(0, min(len(ids) - 1, i + step))
    ids[i], ids[j] = ids[j], ids[i]
    auto.do_reorder_rules(s, user=caller.user, rule_ids=ids, at=at)


@router.post(PAGE + "/flows")
def save_flow(
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    target: str = Form("flow-new"),
    keyword: str = Form(""),
    purpose: str = Form(""),
    steps: str = Form(""),
) -> Response:
    values = {"keyword": keyword, "purpose": purpose, "steps": steps}
    editor = Editor(target if target.startswith("flow-") else "flow-new", values)
    parsed = _parse_steps(editor)
    if parsed is None:
        return _page(request, caller, services, status_code=400, editor=editor)
    data = describe(parsed)
    flow_id = int(editor.target[5:]) if editor.target[5:].isdigit() else None

    def work(s: Session) -> None:
        if flow_id is None:
            flows.do_create_keyword_flow(
                s,
                user=caller.user,
                keyword=keyword,
                purpose=purpose,
                reply_text="",
                at=services.clock(),
                steps=data,
            )
            return
        flow = flows.access_flow(s, caller.user, flow_id)
        changes = {"keyword": keyword, "purpose": purpose, "steps": data, "reply_text": ""}
        flows.do_update_keyword_flow(
            s, user=caller.user, flow=flow, changes=changes, at=services.clock()
        )

    return _write(request, caller, services, work, editor=editor)


def _parse_steps(editor: Editor) -> FlowSteps | None:
    try:
        return FlowSteps.model_validate({"steps": json.loads(editor.values["steps"])})
    except json.JSONDecodeError as exc:
        editor.errors["steps"] = f"not valid JSON: {exc.msg} (line {exc.lineno})"
    except ValidationError as exc:
        editor.errors["steps"] = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'flow'}: {e['msg']}" for e in exc.errors()
        )[:600]
    return None


@router.post(PAGE + "/flows/{flow_id}/{change}")
def change_flow(
    request: Request, flow_id: int, change: str, caller: FormCaller, services: ServicesDep
) -> Response:
    """enable | disable | delete"""

    def work(s: Session) -> None:
        flow = flows.access_flow(s, caller.user, flow_id)
        if change == "delete":
            flows.do_delete_keyword_flow(s, user=caller.user, flow=flow, at=services.clock())
        elif change in ("enable", "disable"):
            flows.do_update_keyword_flow(
                s,
                user=caller.user,
                flow=flow,
                changes={"enabled": change == "enable"},
                at=services.clock(),
            )
        else:
            raise Invalid(f"unknown change {change}", field="change")

    return _write(request, caller, services, work)
