"""Settings: privacy. The retention policy (with a dry-run preview), the search index's
personal-data switch, each agent's "view personal data" grant, the latest audit rows and
the export links. Admins write; supervisors read; agents are refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.access import access_user, require_role
from dmdesk.actions import privacy as actions
from dmdesk.actions.retention import preview_retention
from dmdesk.auth import Caller
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import DomainError, Invalid
from dmdesk.models import User
from dmdesk.models.people import PiiGrant, RetentionPolicy
from dmdesk.queries.people import audit_log
from dmdesk.services import Services
from dmdesk.web.deps import FormCaller, PageCaller, ServicesDep
from dmdesk.web.templating import NavLink, register_nav, render

router = APIRouter(include_in_schema=False)
register_nav(NavLink("privacy", "Privacy", "/settings/privacy", "lock", min_role="supervisor"))
PAGE = "/settings/privacy"
Text = Annotated[str, Form()]
AUDIT_ROWS = 100


@dataclass(frozen=True)
class RetentionForm:
    """The retention form as typed, its errors, and the dry run's report if previewed."""

    days: str
    mode: str
    errors: dict[str, str] = field(default_factory=dict)
    report: dict[str, Any] | None = None


def _data(s: Session, ws: int, admin: bool) -> dict[str, Any]:
    users = list(s.scalars(select(User).where(User.workspace_id == ws).order_by(User.name)))
    granted = set(s.scalars(select(PiiGrant.user_id).where(PiiGrant.workspace_id == ws)))
    names = {u.id: u.name for u in users}
    audit = audit_log(s, ws, limit=AUDIT_ROWS) if admin else []
    for row in audit:
        row["who"] = names.get(row["user_id"], "system") if row["user_id"] else "system"
    return {
        "policy": s.get(RetentionPolicy, ws),
        "index_pii": actions.index_holds_personal_data(s, ws),
        "agents": [(u, u.id in granted) for u in users if u.role == Role.AGENT.value],
        "audit": audit,
    }


def _page(
    request: Request,
    caller: Caller,
    services: Services,
    *,
    status_code: int = 200,
    note: str = "",
    form: RetentionForm | None = None,
) -> Response:
    role = Role(caller.user.role)
    if not role.at_least(Role.SUPERVISOR):
        return render(
            request,
            "settings/privacy.html",
            status_code=403,
            caller=caller,
            active_page="privacy",
            refused=True,
        )
    is_admin = role.at_least(Role.ADMIN)
    with services.db.session() as s:
        data = _data(s, caller.user.workspace_id, is_admin)
    policy = data["policy"]
    if form is None:
        days, mode = (str(policy.message_days), policy.mode) if policy else ("", "anonymise")
        form = RetentionForm(days, mode)
    return render(
        request,
        "settings/privacy.html",
        status_code=status_code,
        caller=caller,
        active_page="privacy",
        refused=False,
        can_edit=is_admin,
        note=note[:200],
        form=form,
        **data,
    )


@router.get(PAGE)
def page(request: Request, caller: PageCaller, services: ServicesDep, note: str = "") -> Response:
    return _page(request, caller, services, note=note)


def _write(
    request: Request, caller: Caller, services: Services, work: Callable[[Session], Any]
) -> Response:
    """One admin action; a refusal comes back to the page with its reason."""
    try:
        require_role(caller.user, Role.ADMIN)
        services.db.write(work)
    except DomainError as exc:
        return _page(request, caller, services, status_code=exc.status, note=exc.message)
    return RedirectResponse(f"{PAGE}?note=Saved", status_code=303)


def _days(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError as exc:
        raise Invalid("enter a whole number of days", field="message_days") from exc


@router.post(PAGE + "/retention")
def retention(
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    message_days: Text = "",
    mode: Text = "anonymise",
    op: Text = "save",
) -> Response:
    """Save the policy, or ("preview") show what it would remove now, saving nothing."""
    ws, user, now = caller.user.workspace_id, caller.user, services.clock()
    try:
        require_role(user, Role.ADMIN)
        days = _days(message_days)
        if op == "preview":
            with services.db.session() as s:
                report = preview_retention(s, workspace_id=ws, days=days, mode=mode, now=now)
            form = RetentionForm(message_days, mode, report=report.to_json())
            return _page(request, caller, services, form=form)
        services.db.write(
            lambda s: actions.do_set_retention(
                s, workspace_id=ws, days=days, mode=mode, actor_id=user.id, at=now
            )
        )
    except Invalid as exc:
        errors = {exc.field or "message_days": exc.message}
        form = RetentionForm(message_days, mode, errors=errors)
        return _page(request, caller, services, status_code=400, form=form)
    except DomainError as exc:
        return _page(request, caller, services, status_code=exc.status, note=exc.message)
    return RedirectResponse(f"{PAGE}?note=Saved", status_code=303)


@router.post(PAGE + "/search-index")
def search_index(
    request: Request, caller: FormCaller, services: ServicesDep, enabled: Text = ""
) -> Response:
    user, now = caller.user, services.clock()
    return _write(
        request,
        caller,
        services,
        lambda s: actions.do_set_index_personal_data(s, admin=user, enabled=enabled == "1", at=now),
    )


@router.post(PAGE + "/grants")
def grant(
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    user_id: Text = "",
    granted: Text = "",
) -> Response:
    admin, now = caller.user, services.clock()

    def work(s: Session) -> None:
        target = access_user(s, admin, int(user_id) if user_id.isdigit() else 0)
        actions.do_set_pii_grant(s, admin=admin, user=target, granted=granted == "1", at=now)

    return _write(request, caller, services, work)
