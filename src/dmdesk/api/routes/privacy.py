"""Privacy: right of access and erasure, PII reveal and the view permission, masked
exports, retention policy and runs, and the personal-data audit log."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from dmdesk.access import access_user, require_role
from dmdesk.actions import privacy as actions
from dmdesk.actions.people import get_person
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import Forbidden
from dmdesk.models.people import RetentionPolicy
from dmdesk.queries import people as queries

router = APIRouter(tags=["privacy"])


class GrantIn(BaseModel):
    granted: bool


class SearchIndexIn(BaseModel):
    index_personal_data: bool


class RetentionIn(BaseModel):
    message_days: int
    mode: Literal["delete", "anonymise"] = "anonymise"


@router.get("/people/{person_id}/export")
def export_person(person_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Right of access: everything about the person as one JSON document (audited)."""
    require_role(caller.user, Role.SUPERVISOR)

    def work(s: Session) -> dict[str, Any]:
        person = get_person(s, caller.user.workspace_id, person_id)
        actions.do_audit(
            s,
            user=caller.user,
            workspace_id=person.workspace_id,
            action="contact.export",
            subject=("person", person.id),
            at=services.clock(),
        )
        return queries.dossier(s, person)

    return services.db.write(work)


@router.post("/contacts/{contact_id}/erase")
def erase(contact_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Right to erasure: the person behind the contact, all identities, everything derived."""
    require_role(caller.user, Role.ADMIN)
    report = services.db.write(
        lambda s: actions.do_erase_contact(
            s,
            workspace_id=caller.user.workspace_id,
            contact_id=contact_id,
            actor=caller.user,
            at=services.clock(),
        ).to_json()
    )
    report["log_checkpointed"] = actions.checkpoint_after_erasure(services.db.read_engine)
    return report


@router.get("/messages/{message_id}/reveal")
def reveal(message_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    text = services.db.write(
        lambda s: actions.do_reveal_message(
            s, user=caller.user, message_id=message_id, at=services.clock()
        )
    )
    return {"id": message_id, "text": text}


@router.put("/users/{user_id}/pii-grant")
def grant(user_id: int, body: GrantIn, services: ServicesDep, caller: CallerDep) -> Any:
    def work(s: Session) -> dict[str, Any]:
        user = access_user(s, caller.user, user_id)
        actions.do_set_pii_grant(
            s, admin=caller.user, user=user, granted=body.granted, at=services.clock()
        )
        return {"user_id": user.id, "granted": body.granted}

    return services.db.write(work)


@router.get("/exports/{kind}")
def export(
    kind: Literal["contacts", "conversations"],
    services: ServicesDep,
    caller: CallerDep,
    format: Literal["csv", "json"] = "json",
    include_pii: bool = False,
) -> Response:
    """CSV or JSON; personal data is masked unless `include_pii` (and allowed). Audited."""
    require_role(caller.user, Role.SUPERVISOR)
    build = queries.export_contacts if kind == "contacts" else queries.export_conversations

    def work(s: Session) -> list[dict[str, Any]]:
        if include_pii and not actions.user_sees_pii(s, caller.user):
            raise Forbidden("including personal data needs the view-personal-data permission")
        rows = build(s, caller.user.workspace_id, include_pii=include_pii)
        actions.do_audit(
            s,
            user=caller.user,
            workspace_id=caller.user.workspace_id,
            action=f"export.{kind}",
            subject=(kind, None),
            at=services.clock(),
            format=format,
            include_pii=include_pii,
            rows=len(rows),
        )
        return rows

    rows = services.db.write(work)
    if format == "csv":
        return Response(
            queries.to_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
        )
    import json

    return Response(json.dumps(rows), media_type="application/json")


@router.get("/retention")
def get_retention(services: ServicesDep, caller: CallerDep) -> dict[str, Any] | None:
    with services.db.session() as s:
        policy = s.get(RetentionPolicy, caller.user.workspace_id)
        return queries.row_json(policy) if policy else None


@router.put("/retention")
def set_retention(body: RetentionIn, services: ServicesDep, caller: CallerDep) -> Any:
    require_role(caller.user, Role.ADMIN)
    return services.db.write(
        lambda s: queries.row_json(
            actions.do_set_retention(
                s,
                workspace_id=caller.user.workspace_id,
                days=body.message_days,
                mode=body.mode,
                actor_id=caller.user.id,
                at=services.clock(),
            )
        )
    )


@router.post("/retention/run")
def run_retention(services: ServicesDep, caller: CallerDep, dry_run: bool = True) -> Any:
    require_role(caller.user, Role.ADMIN)
    reports = services.db.write(
        lambda s: actions.do_run_retention(
            s, now=services.clock(), dry_run=dry_run, workspace_id=caller.user.workspace_id
        )
    )
    return [r.to_json() for r in reports]


@router.get("/privacy/search-index")
def get_search_index(services: ServicesDep, caller: CallerDep) -> dict[str, bool]:
    with services.db.session() as s:
        held = actions.index_holds_personal_data(s, caller.user.workspace_id)
    return {"index_personal_data": held}


@router.put("/privacy/search-index")
def set_search_index(body: SearchIndexIn, services: ServicesDep, caller: CallerDep) -> Any:
    """Opt in to (or out of) personal data in the search index; re-indexes the messages."""
    enabled = services.db.write(
        lambda s: actions.do_set_index_personal_data(
            s, admin=caller.user, enabled=body.index_personal_data, at=services.clock()
        )
    )
    return {"index_personal_data": enabled}


@router.get("/privacy/audit")
def audit(services: ServicesDep, caller: CallerDep) -> list[dict[str, Any]]:
    require_role(caller.user, Role.ADMIN)
    with services.db.session() as s:
        return queries.audit_log(s, caller.user.workspace_id)
