"""People: the context card, search, edits, lifecycle, qualification, attributes, notes,
merge suggestions, merge and unmerge, and order import."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dmdesk.access import require_role
from dmdesk.actions import orders as order_actions
from dmdesk.actions import people as actions
from dmdesk.actions.privacy import do_audit, user_sees_pii
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.auth import Caller
from dmdesk.domain.attributes import AttributeSpec
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import NotFound
from dmdesk.models import Contact
from dmdesk.models.people import Person
from dmdesk.queries import people as queries
from dmdesk.services import Services

router = APIRouter(tags=["people"])


class PersonPatch(BaseModel):
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class StageIn(BaseModel):
    stage: str
    conversation_id: int | None = None


class QualifyIn(BaseModel):
    qualified: bool
    fields: dict[str, Any] = Field(default_factory=dict)
    conversation_id: int | None = None


class ValuesIn(BaseModel):
    values: dict[str, Any]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=10000)


class MergeIn(BaseModel):
    source_id: int
    reason: str = Field(default="manual", max_length=40)


class AttributeIn(BaseModel):
    key: str
    label: str = Field(max_length=200)
    type: str
    choices: list[str] = Field(default_factory=list)
    required: bool = False
    group: str = "custom"


class OrderIn(BaseModel):
    order_id: str = Field(min_length=1, max_length=64)
    status: str = Field(min_length=1, max_length=32)
    value: str
    currency: str
    ordered_at: str
    items: list[dict[str, Any]] = Field(default_factory=list)
    person_id: int | None = None
    email: str | None = None
    phone: str | None = None


def card_for(s: Session, caller: Caller, person: Person, at: Any) -> dict[str, Any]:
    """The card; e-mail and phone masked for agents without the permission, else audited."""
    sees = user_sees_pii(s, caller.user)
    if sees:
        do_audit(
            s,
            user=caller.user,
            workspace_id=person.workspace_id,
            action="contact.view",
            subject=("person", person.id),
            at=at,
        )
    return queries.person_card(s, person, masked=not sees)


def _on_person(services: Services, caller: Caller, person_id: int, fn: Any) -> Any:
    def work(s: Session) -> Any:
        person = actions.get_person(s, caller.user.workspace_id, person_id)
        return fn(s, person)

    return services.db.write(work)


@router.get("/people")
def search(
    services: ServicesDep, caller: CallerDep, q: str = Query(min_length=1, max_length=200)
) -> list[dict[str, Any]]:
    with services.db.session() as s:
        sees = user_sees_pii(s, caller.user)
        return queries.search_people(s, caller.user.workspace_id, q, sees_pii=sees)


@router.get("/contacts/{contact_id}/person")
def contact_person(contact_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        contact = s.get(Contact, contact_id)
        if contact is None or contact.workspace_id != caller.user.workspace_id:
            raise NotFound("contact not found")
        person = actions.do_ensure_person(s, contact=contact, at=services.clock())
        root = s.get_one(Person, person.merged_into_id) if person.merged_into_id else person
        return card_for(s, caller, root, services.clock())

    return services.db.write(work)


@router.get("/people/{person_id}")
def card(person_id: int, services: ServicesDep, caller: CallerDep) -> Any:
    return _on_person(
        services, caller, person_id, lambda s, p: card_for(s, caller, p, services.clock())
    )


@router.patch("/people/{person_id}")
def patch(person_id: int, body: PersonPatch, services: ServicesDep, caller: CallerDep) -> Any:
    changes = body.model_dump(exclude_unset=True)
    return _on_person(
        services,
        caller,
        person_id,
        lambda s, p: queries.row_json(
            actions.do_update_person(
                s, person=p, changes=changes, actor_id=caller.user.id, at=services.clock()
            )
        ),
    )


@router.post("/people/{person_id}/stage")
def stage(person_id: int, body: StageIn, services: ServicesDep, caller: CallerDep) -> Any:
    def fn(s: Session, p: Person) -> dict[str, Any]:
        actions.do_set_stage(
            s,
            person=p,
            stage=body.stage,
            actor_id=caller.user.id,
            at=services.clock(),
            conversation_id=body.conversation_id,
        )
        return {"id": p.id, "stage": p.stage}

    return _on_person(services, caller, person_id, fn)


@router.post("/people/{person_id}/qualify")
def qualify(person_id: int, body: QualifyIn, services: ServicesDep, caller: CallerDep) -> Any:
    def fn(s: Session, p: Person) -> dict[str, Any]:
        actions.do_qualify(
            s,
            person=p,
            qualified=body.qualified,
            fields=body.fields,
            actor_id=caller.user.id,
            at=services.clock(),
            conversation_id=body.conversation_id,
        )
        return {"id": p.id, "stage": p.stage, "qualification": p.qualification}

    return _on_person(services, caller, person_id, fn)


@router.put("/people/{person_id}/attributes")
def set_attributes(person_id: int, body: ValuesIn, services: ServicesDep, caller: CallerDep) -> Any:
    return _on_person(
        services,
        caller,
        person_id,
        lambda s, p: actions.do_set_attributes(
            s, person=p, values=body.values, actor_id=caller.user.id, at=services.clock()
        ),
    )


@router.post("/people/{person_id}/notes", status_code=201)
def add_note(person_id: int, body: NoteIn, services: ServicesDep, caller: CallerDep) -> Any:
    return _on_person(
        services,
        caller,
        person_id,
        lambda s, p: queries.row_json(
            actions.do_add_contact_note(
                s, person=p, text=body.text, author_id=caller.user.id, at=services.clock()
            )
        ),
    )


@router.get("/people/{person_id}/suggestions")
def suggestions(person_id: int, services: ServicesDep, caller: CallerDep) -> Any:
    with services.db.session() as s:
        person = actions.get_person(s, caller.user.workspace_id, person_id)
        return queries.suggest_merges(s, person)


@router.post("/people/{person_id}/merge")
def merge(person_id: int, body: MergeIn, services: ServicesDep, caller: CallerDep) -> Any:
    return services.db.write(
        lambda s: queries.row_json(
            actions.do_merge_people(
                s,
                workspace_id=caller.user.workspace_id,
                target_id=person_id,
                source_id=body.source_id,
                actor_id=caller.user.id,
                at=services.clock(),
                reason=body.reason,
            )
        )
    )


@router.post("/merges/{merge_id}/undo")
def unmerge(merge_id: int, services: ServicesDep, caller: CallerDep) -> Any:
    return services.db.write(
        lambda s: queries.row_json(
            actions.do_unmerge_people(
                s,
                workspace_id=caller.user.workspace_id,
                merge_id=merge_id,
                actor_id=caller.user.id,
                at=services.clock(),
            )
        )
    )


@router.post("/attributes", status_code=201)
def define_attribute(body: AttributeIn, services: ServicesDep, caller: CallerDep) -> Any:
    require_role(caller.user, Role.ADMIN)
    spec = AttributeSpec(
        body.key, body.label, body.type, tuple(body.choices), body.required, body.group
    )
    return services.db.write(
        lambda s: queries.row_json(
            actions.do_define_attribute(
                s,
                workspace_id=caller.user.workspace_id,
                spec=spec,
                actor_id=caller.user.id,
                at=services.clock(),
            )
        )
    )


@router.post("/orders")
def import_orders_json(
    body: list[OrderIn], services: ServicesDep, caller: CallerDep, import_valid: bool = False
) -> dict[str, Any]:
    """Orders from an integration; the same validation as CSV, "lines" count from 1."""
    text = order_actions.rows_to_csv([o.model_dump() for o in body])
    report: dict[str, Any] = _import_orders(services, caller, text, import_valid)
    for error in report["errors"]:
        error["index"] = error.pop("line") - 2  # the order's position in the array
    return report


@router.post("/orders/import")
def import_orders_csv(
    services: ServicesDep,
    caller: CallerDep,
    csv_text: str = Body(media_type="text/csv"),
    import_valid: bool = False,
) -> dict[str, Any]:
    return _import_orders(services, caller, csv_text, import_valid)


def _import_orders(
    services: Services, caller: Caller, text: str, import_valid: bool
) -> dict[str, Any]:
    require_role(caller.user, Role.SUPERVISOR)
    rows, errors = order_actions.parse_csv(text, order_actions.ORDER_COLUMNS)
    return services.db.write(
        lambda s: order_actions.do_import_orders(
            s,
            workspace_id=caller.user.workspace_id,
            rows=rows,
            errors=errors,
            import_valid=import_valid,
            at=services.clock(),
        ).to_json()
    )
