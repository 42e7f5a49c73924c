"""Conversions (by hand, by API, by CSV), tracked links and their public redirect, and the
outbound webhook subscriptions with their delivery log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation, require_role
from dmdesk.actions import conversions as actions
from dmdesk.actions import webhooks_out
from dmdesk.actions.orders import parse_csv
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.auth import Caller
from dmdesk.domain.clock import ensure_utc
from dmdesk.domain.enums import Role
from dmdesk.models.people import Conversion
from dmdesk.queries.people import deliveries, row_json
from dmdesk.services import Services

router = APIRouter(tags=["conversions"])
public = APIRouter(tags=["tracked links"])


class ConversionBody(BaseModel):
    type: str
    value: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    occurred_at: datetime | None = None
    conversation_id: int | None = None
    click_id: str | None = Field(default=None, max_length=40)
    external_ref: str | None = Field(default=None, max_length=100)


class LinkIn(BaseModel):
    target_url: str = Field(max_length=2000)
    utm: dict[str, str] = Field(default_factory=dict)


class SubscriptionIn(BaseModel):
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list)


def _record(
    services: Services, caller: Caller, body: ConversionBody, source: str
) -> dict[str, Any]:
    data = actions.ConversionIn(
        type=body.type,
        value=body.value,
        currency=body.currency.upper(),
        occurred_at=ensure_utc(body.occurred_at) if body.occurred_at else services.clock(),
        conversation_id=body.conversation_id,
        click_key=body.click_id,
        external_ref=body.external_ref,
    )

    def work(s: Session) -> dict[str, Any]:
        row: Conversion = actions.do_record_conversion(
            s,
            workspace_id=caller.user.workspace_id,
            data=data,
            source=source,
            actor_id=caller.user.id,
            at=services.clock(),
        )
        return row_json(row)

    return services.db.write(work)


@router.post("/conversations/{conv_id}/conversions", status_code=201)
def log_conversion(
    conv_id: int, body: ConversionBody, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    """An agent logs an outcome on the conversation they are in."""
    body = body.model_copy(update={"conversation_id": conv_id, "click_id": None})
    return _record(services, caller, body, "manual")


@router.post("/conversions", status_code=201)
def report_conversion(
    body: ConversionBody, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    """A shop or CRM reports an outcome for a tracked-link click or a conversation."""
    return _record(services, caller, body, "api")


@router.post("/conversions/import")
def import_conversions(
    services: ServicesDep,
    caller: CallerDep,
    csv_text: str = Body(media_type="text/csv"),
    import_valid: bool = False,
) -> dict[str, Any]:
    require_role(caller.user, Role.SUPERVISOR)
    rows, errors = parse_csv(csv_text, actions.CONVERSION_COLUMNS)
    return services.db.write(
        lambda s: actions.do_import_conversions(
            s,
            workspace_id=caller.user.workspace_id,
            rows=rows,
            errors=errors,
            import_valid=import_valid,
            actor_id=caller.user.id,
            at=services.clock(),
        ).to_json()
    )


@router.post("/conversations/{conv_id}/links", status_code=201)
def create_link(
    conv_id: int, body: LinkIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    secret = services.settings.effective_secret_key()

    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        link = actions.do_create_link(
            s,
            conv=conv,
            target_url=body.target_url,
            utm=body.utm,
            actor_id=caller.user.id,
            at=services.clock(),
        )
        short = actions.public_id(secret, link.token)
        return {**row_json(link, skip=("token",)), "path": f"/l/{short}"}

    return services.db.write(work)


@public.get("/l/{link_id}", include_in_schema=False)
def follow_link(link_id: str, services: ServicesDep) -> RedirectResponse:
    """The public short link: records the click, redirects with UTM parameters; 404 if forged."""
    secret = services.settings.effective_secret_key()
    target = services.db.write(
        lambda s: actions.do_record_click(s, link_id=link_id, secret=secret, at=services.clock())
    )
    return RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-store"})


@router.post("/webhook-subscriptions", status_code=201)
def subscribe(body: SubscriptionIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    require_role(caller.user, Role.ADMIN)

    def work(s: Session) -> dict[str, Any]:
        sub, secret = webhooks_out.do_create_subscription(
            s,
            workspace_id=caller.user.workspace_id,
            url=body.url,
            event_types=body.event_types,
            box=services.box,
            actor_id=caller.user.id,
            at=services.clock(),
        )
        return {**row_json(sub, skip=("secret_encrypted",)), "secret": secret}

    return services.db.write(work)


@router.delete("/webhook-subscriptions/{sub_id}", status_code=204)
def unsubscribe(sub_id: int, services: ServicesDep, caller: CallerDep) -> None:
    require_role(caller.user, Role.ADMIN)
    services.db.write(
        lambda s: webhooks_out.do_delete_subscription(
            s,
            workspace_id=caller.user.workspace_id,
            subscription_id=sub_id,
            actor_id=caller.user.id,
            at=services.clock(),
        )
    )


@router.get("/webhook-deliveries")
def delivery_log(services: ServicesDep, caller: CallerDep) -> list[dict[str, Any]]:
    require_role(caller.user, Role.ADMIN)
    with services.db.session() as s:
        return deliveries(s, caller.user.workspace_id)
