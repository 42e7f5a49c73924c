"""Channel set-up: a form per platform generated from its connector's config model;
secrets are write-only (sealed on entry, never shown again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic.fields import FieldInfo
from sqlalchemy import select

from dmdesk.access import require_role
from dmdesk.actions.channels import do_create_channel
from dmdesk.connectors.registry import CONNECTORS, webhook_path
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import DomainError
from dmdesk.models import Channel
from dmdesk.web.deps import FormCaller, PageCaller, ServicesDep
from dmdesk.web.templating import NavLink, register_nav, render

router = APIRouter(include_in_schema=False)
register_nav(NavLink("channels", "Channels", "/settings/channels", "plug"))
PAGE = "/settings/channels"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    secret: bool
    required: bool
    default: str


@dataclass(frozen=True)
class PlatformForm:
    platform: str
    routing: str
    fields: list[FieldSpec]


def _field(name: str, info: FieldInfo, *, secret: bool) -> FieldSpec:
    default = "" if info.is_required() or info.default is None else str(info.default)
    label = info.description or name.replace("_", " ").capitalize()
    return FieldSpec(name, label, secret, info.is_required(), default)


def platform_forms() -> list[PlatformForm]:
    """One form per registered connector, straight from its pydantic config model."""
    forms = []
    for platform, connector in CONNECTORS.items():
        secrets = set(connector.secret_fields)
        fields = [
            _field(n, f, secret=n in secrets)
            for n, f in connector.config_model.model_fields.items()
        ]
        forms.append(PlatformForm(platform.value, connector.routing, fields))
    return forms


@router.get(PAGE)
def page(request: Request, caller: PageCaller, services: ServicesDep, note: str = "") -> Response:
    with services.db.session() as s:
        channels = s.scalars(
            select(Channel)
            .where(Channel.workspace_id == caller.user.workspace_id)
            .order_by(Channel.id)
        ).all()
    rows = [(c, webhook_path(c.platform, c.id)) for c in channels]
    return render(
        request,
        "settings/channels.html",
        caller=caller,
        note=note[:200],
        active_page="channels",
        channels=rows,
        forms=platform_forms(),
        can_edit=Role(caller.user.role).at_least(Role.ADMIN),
    )


@router.post(PAGE)
async def create(request: Request, caller: FormCaller, services: ServicesDep) -> Response:
    form = await request.form()
    platform = str(form.get("platform") or "")
    settings: dict[str, Any] = {
        k[len(platform) + 1 :]: v
        for k, v in form.items()
        if k.startswith(f"{platform}.") and isinstance(v, str) and v.strip()
    }
    try:
        require_role(caller.user, Role.ADMIN)
        channel = services.db.write(
            lambda s: do_create_channel(
                s,
                workspace_id=caller.user.workspace_id,
                platform=platform,
                name=str(form.get("name") or ""),
                external_id=str(form.get("external_id") or "") or None,
                settings=settings,
                box=services.box,
                at=services.clock(),
                actor_id=caller.user.id,
            )
        )
    except DomainError as exc:
        return RedirectResponse(f"{PAGE}?note={exc.message[:200]}", status_code=303)
    note = f"Connected {channel.name}: point the platform at {webhook_path(platform, channel.id)}"
    return RedirectResponse(f"{PAGE}?note={note}", status_code=303)
