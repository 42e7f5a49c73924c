"""Settings: the workspace's triage keyword rules (list, add, edit, delete, reorder; admins
write), how they rank against spam and the model, a "try it" box, the corrections, and the
models trained from them (retrain in the background, history, activate / roll back)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from dmdesk.access import require_role
from dmdesk.actions import triage as triage_actions
from dmdesk.actions.triage_models import KEEP_VERSIONS, do_activate_triage_model
from dmdesk.auth import Caller
from dmdesk.domain.enums import Category, Priority, Role
from dmdesk.domain.errors import DomainError, Invalid
from dmdesk.models import Workspace
from dmdesk.queries.triage_corrections import correction_counts
from dmdesk.services import Services
from dmdesk.triage.engine import TriageEngine
from dmdesk.triage.rules import rule_from_dict
from dmdesk.triage.store import list_models
from dmdesk.web.deps import FormCaller, PageCaller, ServicesDep
from dmdesk.web.templating import NavLink, register_nav, render

router = APIRouter(include_in_schema=False)
register_nav(NavLink("triage", "Triage rules", "/settings/triage", "funnel"))
PAGE = "/settings/triage"
Text = Annotated[str, Form()]
MAX_SAMPLE = 5000


def engine(services: Services, workspace_id: int) -> TriageEngine:
    """The workspace's active model (the shipped one until a trained version is activated)."""
    return services.triage_engines.get(workspace_id)


@dataclass(frozen=True)
class FailedForm:
    """The form that was refused ("add" or the edited rule's name), as typed, with errors."""

    target: str
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def _page(
    request: Request,
    caller: Caller,
    services: Services,
    *,
    status_code: int = 200,
    note: str = "",
    failed: FailedForm | None = None,
    sample: str = "",
    result: dict[str, Any] | None = None,
) -> Response:
    ws = caller.user.workspace_id
    with services.db.session() as s:
        rules = triage_actions.triage_rules(s, ws)
        counts = correction_counts(s, ws)
        versions = list_models(s, ws)
    return render(
        request,
        "settings/triage.html",
        status_code=status_code,
        caller=caller,
        active_page="triage",
        rules=rules,
        can_edit=Role(caller.user.role).at_least(Role.ADMIN),
        categories=[c.value for c in Category],
        priorities=[p.value for p in Priority],
        counts=counts,
        note=note[:200],
        failed=failed,
        sample=sample,
        result=result,
        versions=versions,
        active_version=next((v["version"] for v in versions if v["active"]), 0),
        active_model=engine(services, ws).version,
        training=services.triage_trainer.state(ws),
        uses_shared=services.triage_trainer.use_shared,
        keep=KEEP_VERSIONS,
    )


@router.get(PAGE)
def page(request: Request, caller: PageCaller, services: ServicesDep, note: str = "") -> Response:
    return _page(request, caller, services, note=note)


def _write(
    request: Request,
    caller: Caller,
    services: Services,
    work: Callable[[Session], Any],
    *,
    failed: FailedForm | None = None,
) -> Response:
    """One rules action; a refusal comes back with the reason next to the field at fault."""
    try:
        services.db.write(work)
    except Invalid as exc:
        if failed is None:
            return _page(request, caller, services, status_code=400, note=exc.message)
        errors = {exc.field or "name": exc.message}
        bad = FailedForm(failed.target, failed.values, errors)
        return _page(request, caller, services, status_code=400, failed=bad)
    except DomainError as exc:
        return _page(request, caller, services, status_code=exc.status, note=exc.message)
    return RedirectResponse(f"{PAGE}?note=Saved", status_code=303)


def _rule(name: str, keywords: str, category: str, priority: str, override: str) -> dict[str, Any]:
    return {
        "name": name,
        "keywords": keywords,
        "category": category,
        "priority": priority,
        "override_spam": override == "1",
    }


@router.post(PAGE + "/rules")
def add_rule(
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    name: Text = "",
    keywords: Text = "",
    category: Text = "",
    priority: Text = "",
    override_spam: Text = "",
) -> Response:
    rule = _rule(name, keywords, category, priority, override_spam)
    ws, user = caller.user.workspace_id, caller.user
    return _write(
        request,
        caller,
        services,
        lambda s: triage_actions.do_add_triage_rule(
            s, workspace_id=ws, actor=user, rule=rule, at=services.clock()
        ),
        failed=FailedForm("add", rule),
    )


@router.post(PAGE + "/rules/edit")
def edit_rule(
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    original: Text = "",
    name: Text = "",
    keywords: Text = "",
    category: Text = "",
    priority: Text = "",
    override_spam: Text = "",
) -> Response:
    rule = _rule(name, keywords, category, priority, override_spam)
    ws, user = caller.user.workspace_id, caller.user
    return _write(
        request,
        caller,
        services,
        lambda s: triage_actions.do_update_triage_rule(
            s, workspace_id=ws, actor=user, name=original, rule=rule, at=services.clock()
        ),
        failed=FailedForm(original, rule),
    )


@router.post(PAGE + "/rules/delete")
def delete_rule(
    request: Request, caller: FormCaller, services: ServicesDep, name: Text = ""
) -> Response:
    ws, user = caller.user.workspace_id, caller.user
    return _write(
        request,
        caller,
        services,
        lambda s: triage_actions.do_delete_triage_rule(
            s, workspace_id=ws, actor=user, name=name, at=services.clock()
        ),
    )


@router.post(PAGE + "/rules/move")
def move_rule(
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    name: Text = "",
    direction: Text = "up",
) -> Response:
    ws, user = caller.user.workspace_id, caller.user
    offset = -1 if direction == "up" else 1
    return _write(
        request,
        caller,
        services,
        lambda s: triage_actions.do_move_triage_rule(
            s, workspace_id=ws, actor=user, name=name, offset=offset, at=services.clock()
        ),
    )


@router.post(PAGE + "/try")
def try_sample(
    request: Request, caller: FormCaller, services: ServicesDep, sample: Text = ""
) -> Response:
    """Classify a sample with the workspace's rules and brands; nothing is stored."""
    text = sample[:MAX_SAMPLE]
    ws = caller.user.workspace_id
    with services.db.session() as s:
        brands = tuple(s.get_one(Workspace, ws).brand_names)
        rules = [rule_from_dict(r) for r in triage_actions.triage_rules(s, ws)]
    result = engine(services, ws).classify(text, brand_names=brands, rules=rules).to_json()
    return _page(request, caller, services, sample=text, result=result)


@router.post(PAGE + "/models/train")
def train_model(request: Request, caller: FormCaller, services: ServicesDep) -> Response:
    """Admins: retrain with the corrections in the background; the page shows the progress."""
    try:
        require_role(caller.user, Role.ADMIN)
        services.triage_trainer.start(
            workspace_id=caller.user.workspace_id, actor_id=caller.user.id
        )
    except DomainError as exc:
        return _page(request, caller, services, status_code=exc.status, note=exc.message)
    return RedirectResponse(f"{PAGE}?note=Training+started#models-h", status_code=303)


@router.post(PAGE + "/models/activate")
def activate_model(
    request: Request, caller: FormCaller, services: ServicesDep, version: Text = ""
) -> Response:
    """Admins: make a kept version the active model (0: back to the shipped model)."""
    if not version.isdigit():
        return _page(request, caller, services, status_code=400, note="Choose a version")
    ws, user = caller.user.workspace_id, caller.user
    return _write(
        request,
        caller,
        services,
        lambda s: do_activate_triage_model(
            s, workspace_id=ws, actor=user, version=int(version), at=services.clock()
        ),
    )
