"""The consent registry: per contact and purpose; purpose "all" is the contact-wide opt-out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.models import Contact
from dmdesk.models.replies import Consent

ALL = "all"


def _row(session: Session, contact_id: int, purpose: str) -> Consent | None:
    return session.scalars(
        select(Consent).where(Consent.contact_id == contact_id, Consent.purpose == purpose)
    ).first()


def is_opted_out(session: Session, contact_id: int) -> bool:
    row = _row(session, contact_id, ALL)
    return row is not None and not row.granted


def has_consent(session: Session, contact_id: int, purpose: str) -> bool:
    """True only with an explicit grant for `purpose` and no contact-wide opt-out."""
    if is_opted_out(session, contact_id):
        return False
    row = _row(session, contact_id, purpose)
    return row is not None and row.granted


def consents_of(session: Session, contact_id: int) -> list[Consent]:
    return list(
        session.scalars(
            select(Consent).where(Consent.contact_id == contact_id).order_by(Consent.id)
        )
    )


def _set(
    session: Session,
    *,
    contact: Contact,
    purpose: str,
    granted: bool,
    source: str,
    wording: str,
    at: datetime,
) -> Consent:
    row = _row(session, contact.id, purpose)
    if row is None:
        row = Consent(workspace_id=contact.workspace_id, contact_id=contact.id, purpose=purpose)
        session.add(row)
    row.granted = granted
    row.source = source[:64]
    row.wording = wording
    row.updated_at = at
    session.flush()
    return row


def do_grant_consent(
    session: Session,
    *,
    contact: Contact,
    purpose: str,
    source: str,
    wording: str,
    at: datetime,
    conversation_id: int | None = None,
    actor_id: int | None = None,
) -> Consent:
    """Record consent with its source, time and the exact wording the person used."""
    row = _set(
        session,
        contact=contact,
        purpose=purpose,
        granted=True,
        source=source,
        wording=wording,
        at=at,
    )
    record_event(
        session,
        workspace_id=contact.workspace_id,
        type="consent.granted",
        at=at,
        conversation_id=conversation_id,
        actor_kind="user" if actor_id else "contact",
        actor_id=actor_id,
        data={"contact_id": contact.id, "purpose": purpose, "source": source, "wording": wording},
    )
    return row


def do_revoke_consent(
    session: Session,
    *,
    contact: Contact,
    source: str,
    wording: str,
    at: datetime,
    purpose: str = ALL,
    conversation_id: int | None = None,
) -> list[str]:
    """Revoke one purpose, or with "all" every purpose at once; returns what was revoked."""
    purposes = [purpose]
    if purpose == ALL:
        purposes = [c.purpose for c in consents_of(session, contact.id) if c.granted]
        purposes = [*dict.fromkeys([ALL, *purposes])]
    for p in purposes:
        _set(
            session,
            contact=contact,
            purpose=p,
            granted=False,
            source=source,
            wording=wording,
            at=at,
        )
    record_event(
        session,
        workspace_id=contact.workspace_id,
        type="consent.revoked",
        at=at,
        conversation_id=conversation_id,
        actor_kind="contact",
        data={"contact_id": contact.id, "purposes": purposes, "source": source, "wording": wording},
    )
    return purposes
