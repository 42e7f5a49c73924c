"""Reading people: the context card, merge suggestions, search, the right-of-access dossier,
contact and conversation exports (masked unless personal data is included), logs."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dmdesk.domain.errors import NotFound
from dmdesk.domain.pii_mask import mask_text
from dmdesk.models import Channel, Contact, Conversation, Message, Note
from dmdesk.models.people import (
    ContactNote,
    Conversion,
    Order,
    OutboundDelivery,
    Person,
    PersonMerge,
    PrivacyAudit,
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def row_json(row: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.key: _plain(getattr(row, c.key)) for c in row.__table__.columns if c.key not in skip}


def person_for_contact(session: Session, workspace_id: int, contact_id: int) -> Person | None:
    contact = session.get(Contact, contact_id)
    if contact is None or contact.workspace_id != workspace_id:
        raise NotFound("contact not found")
    if contact.person_id is None:
        return None
    person = session.get_one(Person, contact.person_id)
    return session.get_one(Person, person.merged_into_id) if person.merged_into_id else person


def family(session: Session, person: Person) -> list[int]:
    """The person and everyone merged into them (their notes and orders show here too)."""
    merged = session.scalars(select(Person.id).where(Person.merged_into_id == person.id))
    return [person.id, *merged]


def person_card(session: Session, person: Person, *, masked: bool = False) -> dict[str, Any]:
    """Everything the context panel shows next to a conversation; `masked` hides e-mail and
    phone numbers (for agents without the view-personal-data permission)."""
    card = _card(session, person)
    return _masked(card) if masked else card


def _mask_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: mask_text(v) if isinstance(v, str) else v for k, v in values.items()}


def _masked(card: dict[str, Any]) -> dict[str, Any]:
    """The card without personal data: e-mail and phone fields replaced, and free text
    (attributes, qualification, notes, a channel id that is a phone number) masked."""
    p = card["person"]
    p.update(
        email="[email]" if p.get("email") else None,
        phone_e164="[phone]" if p.get("phone_e164") else None,
        attributes=_mask_values(p.get("attributes") or {}),
        qualification=_mask_values(p.get("qualification") or {}),
    )
    for contact in card["contacts"]:
        contact["phone"] = "[phone]" if contact["phone"] else None
        contact["external_id"] = mask_text(contact["external_id"])
        contact["handle"] = mask_text(contact["handle"])
    for note in card["notes"]:
        note["text"] = mask_text(note["text"])
    for merge in card["merges"]:
        before = merge.get("target_before") or {}
        merge["target_before"] = {
            k: (f"[{k.split('_')[0]}]" if k in ("email", "phone_e164") and v else v)
            for k, v in _mask_values(before).items()
        }
    return card


def _card(session: Session, person: Person) -> dict[str, Any]:
    ids = family(session, person)
    contacts = session.execute(
        select(Contact, Channel.platform, Channel.name)
        .join(Channel, Channel.id == Contact.channel_id)
        .where(Contact.person_id.in_(ids))
    ).all()
    contact_ids = [c.id for c, _p, _n in contacts]
    convs = session.scalars(
        select(Conversation)
        .where(Conversation.contact_id.in_(contact_ids))
        .order_by(Conversation.last_message_at.desc())
    ).all()
    return {
        "person": row_json(person),
        "contacts": [
            {**row_json(c, skip=("attributes",)), "platform": p, "channel_name": n}
            for c, p, n in contacts
        ],
        "conversations": [
            {
                "id": c.id,
                "status": c.status,
                "category": c.category,
                "referral": c.referral,
                "channel_id": c.channel_id,
                "last_message_at": c.last_message_at.isoformat(),
            }
            for c in convs
        ],
        "orders": _rows(session, select(Order).where(Order.person_id.in_(ids))),
        "conversions": _rows(session, select(Conversion).where(Conversion.person_id.in_(ids))),
        "notes": _rows(session, select(ContactNote).where(ContactNote.person_id.in_(ids))),
        "merges": _rows(
            session,
            select(PersonMerge).where(
                or_(PersonMerge.target_id.in_(ids), PersonMerge.source_id.in_(ids))
            ),
        ),
    }


def _rows(session: Session, query: Any) -> list[dict[str, Any]]:
    return [row_json(r) for r in session.scalars(query)]


def dossier(session: Session, person: Person) -> dict[str, Any]:
    """Right of access: one document with everything stored about the person."""
    card = person_card(session, person)
    conv_ids = [c["id"] for c in card["conversations"]]
    messages = session.scalars(
        select(Message).where(Message.conversation_id.in_(conv_ids)).order_by(Message.id)
    )
    notes = session.scalars(select(Note).where(Note.conversation_id.in_(conv_ids)))
    card["messages"] = [row_json(m) for m in messages]
    card["conversation_notes"] = [row_json(n) for n in notes]
    card["format"] = "dmdesk.person-export.v1"
    return card


def suggest_merges(session: Session, person: Person, *, limit: int = 10) -> list[dict[str, Any]]:
    """Other people sharing an e-mail, an E.164 phone or a handle with this one."""
    ids = family(session, person)
    members = session.scalars(select(Person).where(Person.id.in_(ids))).all()
    emails = {m.email.lower() for m in members if m.email}
    phones = {m.phone_e164 for m in members if m.phone_e164}
    handles = {
        h.lstrip("@").lower()
        for h in session.scalars(select(Contact.handle).where(Contact.person_id.in_(ids)))
        if h
    }
    found: dict[int, set[str]] = {}
    base = select(Person).where(
        Person.workspace_id == person.workspace_id,
        Person.id.not_in(ids),
        Person.merged_into_id.is_(None),
    )
    for other in session.scalars(
        base.where(or_(Person.email.in_(emails), Person.phone_e164.in_(phones)))
    ):
        found.setdefault(other.id, set()).update(
            k
            for k, v in (("email", other.email), ("phone", other.phone_e164))
            if v in emails | phones
        )
    if handles:
        rows = session.execute(
            select(Contact.person_id).where(
                Contact.workspace_id == person.workspace_id,
                func.lower(func.ltrim(Contact.handle, "@")).in_(handles),
                Contact.person_id.is_not(None),
                Contact.person_id.not_in(ids),
            )
        ).all()
        for (pid,) in rows:
            if pid is not None:
                found.setdefault(pid, set()).add("handle")
    return [{"person_id": pid, "matched_on": sorted(keys)} for pid, keys in sorted(found.items())][
        :limit
    ]


def search_people(
    session: Session, workspace_id: int, q: str, *, sees_pii: bool = False, limit: int = 20
) -> list[dict[str, Any]]:
    """People by name or handle, and (for callers who may see personal data) by e-mail or
    phone; for the others the results are masked and e-mail/phone cannot be probed."""
    like = f"%{q.strip().lower()}%"
    matches = [
        func.lower(Person.display_name).like(like),
        func.lower(Contact.handle).like(like),
        func.lower(Contact.name).like(like),
    ]
    if sees_pii:
        matches += [func.lower(Person.email).like(like), Person.phone_e164.like(like)]
    query = (
        select(Person)
        .outerjoin(Contact, Contact.person_id == Person.id)
        .where(
            Person.workspace_id == workspace_id,
            Person.merged_into_id.is_(None),
            or_(*matches),
        )
        .distinct()
        .order_by(Person.id)
        .limit(limit)
    )
    people = [row_json(p) for p in session.scalars(query)]
    if sees_pii:
        return people
    return [
        _masked({"person": p, "contacts": [], "notes": [], "merges": []})["person"] for p in people
    ]


def export_contacts(
    session: Session, workspace_id: int, *, include_pii: bool
) -> list[dict[str, Any]]:
    """One row per contact with its person; e-mail, phone and handle masked unless included."""
    rows = session.execute(
        select(Contact, Person, Channel.platform)
        .join(Channel, Channel.id == Contact.channel_id)
        .outerjoin(Person, Person.id == Contact.person_id)
        .where(Contact.workspace_id == workspace_id)
        .order_by(Contact.id)
    ).all()
    out = []
    for contact, person, platform in rows:
        row = {
            "contact_id": contact.id,
            "person_id": person.id if person else None,
            "platform": platform,
            "name": contact.name,
            "handle": contact.handle,
            "phone": contact.phone,
            "email": person.email if person else None,
            "stage": person.stage if person else None,
            "created_at": contact.created_at.isoformat(),
        }
        if not include_pii:
            row.update({k: f"[{k}]" if row[k] else None for k in ("handle", "phone", "email")})
        out.append(row)
    return out


def export_conversations(
    session: Session, workspace_id: int, *, include_pii: bool
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Conversation)
        .where(Conversation.workspace_id == workspace_id)
        .order_by(Conversation.id)
    )
    out = []
    for c in rows:
        preview = c.last_message_preview if include_pii else mask_text(c.last_message_preview)
        out.append(
            {
                "conversation_id": c.id,
                "contact_id": c.contact_id,
                "channel_id": c.channel_id,
                "status": c.status,
                "priority": c.priority,
                "category": c.category,
                "assignee_id": c.assignee_id,
                "created_at": c.created_at.isoformat(),
                "last_message_at": c.last_message_at.isoformat(),
                "last_message_preview": preview,
            }
        )
    return out


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def deliveries(session: Session, workspace_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    query = (
        select(OutboundDelivery)
        .where(OutboundDelivery.workspace_id == workspace_id)
        .order_by(OutboundDelivery.id.desc())
        .limit(limit)
    )
    return [row_json(d, skip=("body",)) for d in session.scalars(query)]


def audit_log(session: Session, workspace_id: int, *, limit: int = 200) -> list[dict[str, Any]]:
    query = (
        select(PrivacyAudit)
        .where(PrivacyAudit.workspace_id == workspace_id)
        .order_by(PrivacyAudit.id.desc())
        .limit(limit)
    )
    return [row_json(a) for a in session.scalars(query)]
