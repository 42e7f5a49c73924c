"""Names for contacts whose platform sends only an id (Messenger, Instagram).

A contact is due when it has neither a name nor a handle and its profile was never asked
for, or was asked for more than `RECHECK` ago. A lookup is claimed by stamping
`profile_checked_at` in one conditional UPDATE, so two instances never ask twice; the
platform call happens outside any transaction (jobs/profiles.py). A failure worth retrying
moves the stamp back so the contact is due again after the wait it suggests (a minute when
the platform could not be reached, Graph's rate-limit wait), and after `RETRY` at most.
A name an agent typed, or one a later webhook brought, is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from dmdesk.connectors.base import ProfileResult
from dmdesk.db.events import record_event
from dmdesk.domain.enums import Platform
from dmdesk.models import Channel, Contact, Person

PROFILE_PLATFORMS = (Platform.MESSENGER.value, Platform.INSTAGRAM.value)
RECHECK = timedelta(days=30)
RETRY = timedelta(minutes=10)


@dataclass(frozen=True)
class DueProfile:
    contact_id: int
    channel_id: int
    external_id: str


def _unnamed() -> ColumnElement[bool]:
    return and_(Contact.name.is_(None), Contact.handle.is_(None))


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(Contact.profile_checked_at.is_(None), Contact.profile_checked_at < now - RECHECK)


def due_profiles(session: Session, *, now: datetime, limit: int) -> list[DueProfile]:
    rows = session.execute(
        select(Contact.id, Contact.channel_id, Contact.external_id)
        .join(Channel, Channel.id == Contact.channel_id)
        .where(Channel.platform.in_(PROFILE_PLATFORMS), _unnamed(), _due(now))
        .order_by(Contact.id)
        .limit(limit)
    )
    return [DueProfile(cid, ch, ext) for cid, ch, ext in rows]


def do_claim_profile(session: Session, *, contact_id: int, now: datetime) -> bool:
    """Stamp the contact as being looked up; False when another worker got there first or
    the contact has meanwhile got a name."""
    result = session.execute(
        update(Contact)
        .where(Contact.id == contact_id, _unnamed(), _due(now))
        .values(profile_checked_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def do_record_profile(
    session: Session, *, contact_id: int, result: ProfileResult, now: datetime
) -> bool:
    """Keep what the platform said; True when the contact got a name or a handle."""
    contact = session.get(Contact, contact_id)
    if contact is None:  # erased while the platform was being asked
        return False
    if not result.ok:
        if result.retry:
            wait = (
                RETRY if result.retry_after_s is None else timedelta(seconds=result.retry_after_s)
            )
            contact.profile_checked_at = now - RECHECK + min(wait, RETRY)
        return False
    found = []
    if result.name and not contact.name:
        contact.name = result.name
        found.append("name")
    if result.handle and not contact.handle:
        contact.handle = result.handle
        found.append("handle")
    if not found:
        return False
    if contact.person_id is not None:
        person = session.get(Person, contact.person_id)
        if person is not None and not person.display_name:
            person.display_name = contact.name or contact.handle
    record_event(
        session,
        workspace_id=contact.workspace_id,
        type="contact.profile_fetched",
        at=now,
        data={"contact_id": contact.id, "fields": found},
    )
    return True
