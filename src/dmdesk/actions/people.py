"""People across channels: linking identities, merge and unmerge with history, lifecycle
stages, qualification, typed custom attributes and notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.domain.attributes import (
    DEFAULT_QUALIFICATION,
    AttributeSpec,
    check_spec,
    to_e164,
    validate_values,
)
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.models import Contact
from dmdesk.models.people import AttributeDefinition, ContactNote, Person, PersonMerge

STAGES = ("new", "lead", "qualified", "customer", "churned")
MERGE_FIELDS = ("display_name", "email", "phone_e164")


def get_person(session: Session, workspace_id: int, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.workspace_id != workspace_id:
        raise NotFound("person not found")
    return person


def _event(
    session: Session, person: Person, type_: str, *, at: datetime, actor_id: int | None, **data: Any
) -> None:
    record_event(
        session,
        workspace_id=person.workspace_id,
        type=type_,
        at=at,
        conversation_id=data.get("conversation_id"),
        actor_id=actor_id,
        data={"person_id": person.id, **data},
    )


def do_ensure_person(session: Session, *, contact: Contact, at: datetime) -> Person:
    """The contact's person, created from the contact the first time it is needed."""
    if contact.person_id is not None:
        return session.get_one(Person, contact.person_id)
    person = Person(
        workspace_id=contact.workspace_id,
        display_name=contact.name or contact.handle,
        phone_e164=to_e164(contact.phone),
        stage="new",
        attributes={},
        qualification={},
        created_at=at,
        updated_at=at,
    )
    session.add(person)
    session.flush()
    contact.person_id = person.id
    _event(session, person, "contact.person_created", at=at, actor_id=None, contact_id=contact.id)
    return person


def do_update_person(
    session: Session, *, person: Person, changes: dict[str, Any], actor_id: int, at: datetime
) -> Person:
    if "phone" in changes:
        phone = changes.pop("phone")
        changes["phone_e164"] = to_e164(phone) if phone else None
        if phone and changes["phone_e164"] is None:
            raise Invalid("not a valid phone number (use +<country code>...)", field="phone")
    if email := changes.get("email"):
        changes["email"] = str(email).strip().lower()
    unknown = set(changes) - set(MERGE_FIELDS)
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}")
    for key, value in changes.items():
        setattr(person, key, value)
    person.updated_at = at
    _event(session, person, "contact.updated", at=at, actor_id=actor_id, fields=sorted(changes))
    return person


def _absorb(target: Person, source: Person) -> dict[str, Any]:
    """Fill the target's empty fields from the source; what they were, for unmerge."""
    before: dict[str, Any] = {}
    for key in MERGE_FIELDS:
        if getattr(target, key) is None and getattr(source, key) is not None:
            before[key] = None
            setattr(target, key, getattr(source, key))
    added = {k: v for k, v in source.attributes.items() if k not in target.attributes}
    if added:
        before["attributes"] = dict(target.attributes)
        target.attributes = {**target.attributes, **added}
    return before


def do_merge_people(
    session: Session,
    *,
    workspace_id: int,
    target_id: int,
    source_id: int,
    actor_id: int | None,
    at: datetime,
    reason: str = "manual",
) -> PersonMerge:
    """Move every identity of `source` onto `target`; the source stays, marked merged."""
    if target_id == source_id:
        raise Invalid("a person cannot be merged with itself")
    target = get_person(session, workspace_id, target_id)
    source = get_person(session, workspace_id, source_id)
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise Invalid("this person was already merged into another one")
    contact_ids = list(session.scalars(select(Contact.id).where(Contact.person_id == source.id)))
    before = _absorb(target, source)
    session.execute(update(Contact).where(Contact.id.in_(contact_ids)).values(person_id=target.id))
    source.merged_into_id = target.id
    target.updated_at = source.updated_at = at
    merge = PersonMerge(
        workspace_id=workspace_id, target_id=target.id, source_id=source.id,
        contact_ids=contact_ids, target_before=before, reason=reason, merged_by=actor_id,
        merged_at=at,
    )  # fmt: skip
    session.add(merge)
    session.flush()
    _event(
        session,
        target,
        "contact.merged",
        at=at,
        actor_id=actor_id,
        source_id=source.id,
        merge_id=merge.id,
        contact_ids=contact_ids,
    )
    return merge


def do_unmerge_people(
    session: Session, *, workspace_id: int, merge_id: int, actor_id: int | None, at: datetime
) -> PersonMerge:
    """Undo a merge: its identities go back to the source, filled-in fields are restored."""
    merge = session.get(PersonMerge, merge_id)
    if merge is None or merge.workspace_id != workspace_id:
        raise NotFound("merge not found")
    if merge.unmerged_at is not None:
        raise Invalid("this merge was already undone")
    target = session.get_one(Person, merge.target_id)
    source = session.get_one(Person, merge.source_id)
    session.execute(
        update(Contact)
        .where(Contact.id.in_(merge.contact_ids), Contact.person_id == target.id)
        .values(person_id=source.id)
    )
    for key, value in merge.target_before.items():
        setattr(target, key, value)
    source.merged_into_id = None
    target.updated_at = source.updated_at = at
    merge.unmerged_at, merge.unmerged_by = at, actor_id
    _event(
        session,
        target,
        "contact.unmerged",
        at=at,
        actor_id=actor_id,
        source_id=source.id,
        merge_id=merge.id,
    )
    return merge


def do_set_stage(
    session: Session,
    *,
    person: Person,
    stage: str,
    actor_id: int | None,
    at: datetime,
    conversation_id: int | None = None,
) -> bool:
    """Move a person along the lifecycle; returns False when nothing changed."""
    if stage not in STAGES:
        raise Invalid(f"stage must be one of {', '.join(STAGES)}", field="stage")
    if person.stage == stage:
        return False
    previous, person.stage, person.updated_at = person.stage, stage, at
    _event(
        session,
        person,
        "contact.stage_changed",
        at=at,
        actor_id=actor_id,
        conversation_id=conversation_id,
        **{"from": previous, "to": stage},
    )
    return True


def attribute_specs(session: Session, workspace_id: int, group: str) -> dict[str, AttributeSpec]:
    rows = session.scalars(
        select(AttributeDefinition).where(
            AttributeDefinition.workspace_id == workspace_id, AttributeDefinition.group == group
        )
    ).all()
    specs = {
        r.key: AttributeSpec(r.key, r.label, r.type, tuple(r.choices), r.required, r.group)
        for r in rows
    }
    if group == "qualification" and not specs:
        return {s.key: s for s in DEFAULT_QUALIFICATION}
    return specs


def do_define_attribute(
    session: Session, *, workspace_id: int, spec: AttributeSpec, actor_id: int, at: datetime
) -> AttributeDefinition:
    check_spec(spec)
    if spec.group not in ("custom", "qualification"):
        raise Invalid("group must be custom or qualification", field="group")
    row = session.scalars(
        select(AttributeDefinition).where(
            AttributeDefinition.workspace_id == workspace_id, AttributeDefinition.key == spec.key
        )
    ).first()
    if row is None:
        row = AttributeDefinition(workspace_id=workspace_id, key=spec.key, created_at=at)
        session.add(row)
    row.label, row.type, row.choices = spec.label, spec.type, list(spec.choices)
    row.group, row.required = spec.group, spec.required
    session.flush()
    record_event(
        session,
        workspace_id=workspace_id,
        type="contact.attribute_defined",
        at=at,
        actor_kind="user",
        actor_id=actor_id,
        data={"key": spec.key, "type": spec.type},
    )
    return row


def do_set_attributes(
    session: Session, *, person: Person, values: dict[str, Any], actor_id: int | None, at: datetime
) -> dict[str, Any]:
    clean = validate_values(attribute_specs(session, person.workspace_id, "custom"), values)
    merged = {**person.attributes, **clean}
    person.attributes = {k: v for k, v in merged.items() if v is not None}
    person.updated_at = at
    _event(session, person, "contact.updated", at=at, actor_id=actor_id, fields=sorted(clean))
    return person.attributes


def do_qualify(
    session: Session,
    *,
    person: Person,
    qualified: bool,
    fields: dict[str, Any],
    actor_id: int | None,
    at: datetime,
    conversation_id: int | None = None,
) -> Person:
    """Record the qualification outcome: `lead.qualified` (reportable) or `lead.disqualified`."""
    clean = validate_values(attribute_specs(session, person.workspace_id, "qualification"), fields)
    person.qualification = {**person.qualification, **clean, "outcome": qualified}
    do_set_stage(
        session,
        person=person,
        stage="qualified" if qualified else "lead",
        actor_id=actor_id,
        at=at,
        conversation_id=conversation_id,
    )
    _event(
        session,
        person,
        "lead.qualified" if qualified else "lead.disqualified",
        at=at,
        actor_id=actor_id,
        conversation_id=conversation_id,
        fields=sorted(clean),
    )
    return person


def do_add_contact_note(
    session: Session, *, person: Person, text: str, author_id: int, at: datetime
) -> ContactNote:
    text = text.strip()
    if not text:
        raise Invalid("a note needs text", field="text")
    note = ContactNote(
        workspace_id=person.workspace_id,
        person_id=person.id,
        author_user_id=author_id,
        text=text,
        created_at=at,
    )
    session.add(note)
    session.flush()
    _event(session, person, "contact.note_added", at=at, actor_id=author_id, note_id=note.id)
    return note
