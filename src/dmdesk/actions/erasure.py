"""Right to erasure: a person, all their merged identities and everything derived from
them goes in one transaction; only anonymous metric events and conversions stay."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dmdesk.actions.id_chunks import chunks as _chunks
from dmdesk.actions.pii_access import do_audit
from dmdesk.actions.search_index import purge_index_remnants
from dmdesk.db.events import record_event
from dmdesk.domain.errors import NotFound
from dmdesk.models import (
    Contact,
    Conversation,
    Event,
    InboundQueueItem,
    Message,
    User,
    WebhookDelivery,
)
from dmdesk.models.people import Conversion, Person

ERASED_BODY = b'{"erased": true}'
# Event data that stays after erasure: the figures and labels metrics count, never text.
# fmt: off
ANONYMOUS_KEYS = frozenset((
    "value", "currency", "type", "direction", "author_kind", "status", "from", "to", "by",
    "priority", "category", "channel_id", "agent_id", "assignee_id", "team_id", "sent_at",
    "echo", "source", "via_link", "conversion_id", "message_id", "conversation_id",
))
# fmt: on
LINK_COLUMNS = {
    "messages": "message_id",
    "conversations": "conversation_id",
    "contacts": "contact_id",
    "people": "person_id",
}
# Tables erasure treats one by one; every other table is found by reflection.
# fmt: off
HANDLED = frozenset((
    "events", "conversions", "inbound_events", "webhook_deliveries", "privacy_audit",
    "messages", "conversations", "contacts", "people", "alembic_version",
))
# fmt: on


@dataclass
class ErasureReport:
    person_id: int | None
    contacts: int = 0
    conversations: int = 0
    messages: int = 0
    inbound_events: int = 0
    raw_bodies_erased: int = 0
    events_scrubbed: int = 0
    other_rows: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Subject:
    workspace_id: int
    person_ids: list[int]
    contact_ids: list[int]
    conversation_ids: list[int]
    message_ids: list[int]
    identities: dict[int, set[str]]  # channel id -> the contacts' external ids there


def _subject(session: Session, workspace_id: int, contact_id: int) -> _Subject:
    contact = session.get(Contact, contact_id)
    if contact is None or contact.workspace_id != workspace_id:
        raise NotFound("contact not found")
    person_ids: list[int] = []
    contacts = [contact]
    if contact.person_id is not None:
        root = session.get_one(Person, contact.person_id)
        root_id = root.merged_into_id or root.id
        person_ids = [
            root_id,
            *session.scalars(select(Person.id).where(Person.merged_into_id == root_id)),
        ]
        contacts = list(session.scalars(select(Contact).where(Contact.person_id.in_(person_ids))))
    identities: dict[int, set[str]] = {}
    for c in contacts:
        identities.setdefault(c.channel_id, set()).add(c.external_id)
    contact_ids = [c.id for c in contacts]
    conv_ids = list(
        session.scalars(select(Conversation.id).where(Conversation.contact_id.in_(contact_ids)))
    )
    msg_ids = list(session.scalars(select(Message.id).where(Message.conversation_id.in_(conv_ids))))
    return _Subject(workspace_id, person_ids, contact_ids, conv_ids, msg_ids, identities)


def _payload_is_theirs(payload: dict[str, Any], externals: set[str]) -> bool:
    contact = payload.get("contact") or {}
    external = contact.get("external_id") if isinstance(contact, dict) else None
    return (external or payload.get("contact_external_id")) in externals


def _erase_raw(session: Session, subject: _Subject, report: ErasureReport) -> None:
    """Queue rows carrying their events go; raw webhook bodies naming them are blanked
    (a body may hold other people's events too, already processed)."""
    for channel_id, externals in subject.identities.items():
        items = session.execute(
            select(
                InboundQueueItem.id, InboundQueueItem.payload, InboundQueueItem.delivery_id
            ).where(InboundQueueItem.channel_id == channel_id)
        ).all()
        mine = [(i, d) for i, p, d in items if _payload_is_theirs(p, externals)]
        deliveries = {d for _i, d in mine if d is not None}
        needles = [f'"{e}"'.encode() for e in externals]
        for delivery_id, body in session.execute(
            select(WebhookDelivery.id, WebhookDelivery.body).where(
                WebhookDelivery.channel_id == channel_id, WebhookDelivery.body != ERASED_BODY
            )
        ):
            if any(n in bytes(body) for n in needles):
                deliveries.add(delivery_id)
        for chunk in _chunks([i for i, _d in mine]):
            session.execute(delete(InboundQueueItem).where(InboundQueueItem.id.in_(chunk)))
        for chunk in _chunks(sorted(deliveries)):
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(chunk))
                .values(body=ERASED_BODY)
            )
        report.inbound_events += len(mine)
        report.raw_bodies_erased += len(deliveries)


def _anonymous(data: dict[str, Any]) -> dict[str, Any]:
    kept = {
        k: v
        for k, v in data.items()
        if k in ANONYMOUS_KEYS and (v is None or isinstance(v, int | float | bool | str))
    }
    return {**kept, "erased": True}


def _scrub_events(session: Session, subject: _Subject, report: ErasureReport) -> None:
    """Events stay for metrics, with only figures and labels left in their data."""
    rows = list(
        session.scalars(select(Event).where(Event.conversation_id.in_(subject.conversation_ids)))
    )
    people, contacts = set(subject.person_ids), set(subject.contact_ids)
    loose = session.scalars(
        select(Event).where(
            Event.workspace_id == subject.workspace_id,
            Event.conversation_id.is_(None),
            Event.type.like("contact.%") | Event.type.like("lead.%") | Event.type.like("order.%"),
        )
    )
    rows += [
        e
        for e in loose
        if e.data.get("person_id") in people or e.data.get("contact_id") in contacts
    ]
    for event in rows:
        event.data = _anonymous(event.data)
    report.events_scrubbed = len(rows)


def _erase_linked_rows(session: Session, subject: _Subject, report: ErasureReport) -> None:
    """Every other table (ours and other capabilities') that points at what is erased:
    found by reflection, so a table added later is covered too."""
    targets = {
        "messages": subject.message_ids,
        "conversations": subject.conversation_ids,
        "contacts": subject.contact_ids,
        "people": subject.person_ids,
    }
    meta = sa.MetaData()
    meta.reflect(bind=session.connection())
    for table in reversed(meta.sorted_tables):
        if table.name in HANDLED or table.name.startswith("messages_fts"):
            continue
        to_delete: list[tuple[sa.Column[Any], Any]] = []
        to_null: list[tuple[sa.Column[Any], Any]] = []
        for column in table.columns:
            fks = [fk for fk in column.foreign_keys if fk.column.table.name in targets]
            target = fks[0].column.table.name if fks else None
            if target is None:
                target = next((t for t, c in LINK_COLUMNS.items() if c == column.name), None)
            if target is None or not targets[target]:
                continue
            match = column.in_(targets[target])
            nulls = bool(fks) and fks[0].ondelete == "SET NULL" and column.nullable
            (to_null if nulls else to_delete).append((column, match))
        if to_delete:
            count = session.execute(delete(table).where(sa.or_(*(m for _c, m in to_delete))))
            report.other_rows[table.name] = int(getattr(count, "rowcount", 0))
        for column, match in to_null:
            session.execute(update(table).where(match).values({column.name: None}))


def _delete_subject(session: Session, subject: _Subject, report: ErasureReport) -> None:
    """Conversions stay (anonymous, still credited to the content); the rest goes."""
    session.execute(
        update(Conversion)
        .where(
            Conversion.conversation_id.in_(subject.conversation_ids)
            | Conversion.person_id.in_(subject.person_ids)
        )
        .values(conversation_id=None, person_id=None, click_id=None)
    )
    _erase_linked_rows(session, subject, report)
    for chunk in _chunks(subject.message_ids):
        session.execute(delete(Message).where(Message.id.in_(chunk)))
    session.execute(delete(Conversation).where(Conversation.id.in_(subject.conversation_ids)))
    session.execute(delete(Contact).where(Contact.id.in_(subject.contact_ids)))
    session.execute(
        update(Person).where(Person.id.in_(subject.person_ids)).values(merged_into_id=None)
    )
    session.execute(delete(Person).where(Person.id.in_(subject.person_ids)))


@contextmanager
def _secure_delete(session: Session) -> Iterator[None]:
    """SQLite: overwrite freed pages with zeros while erasing (not left holding the text),
    then give the writer's connection its previous setting back, even on failure."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    previous = int(session.execute(sa.text("PRAGMA secure_delete")).scalar_one())
    session.execute(sa.text("PRAGMA secure_delete = ON"))
    try:
        yield
    finally:
        session.execute(sa.text(f"PRAGMA secure_delete = {previous}"))


def do_erase_contact(
    session: Session, *, workspace_id: int, contact_id: int, actor: User | None, at: datetime
) -> ErasureReport:
    """Forget the person behind a contact (all their merged identities) completely."""
    subject = _subject(session, workspace_id, contact_id)
    report = ErasureReport(person_id=subject.person_ids[0] if subject.person_ids else None)
    with _secure_delete(session):
        _erase_raw(session, subject, report)
        _scrub_events(session, subject, report)
        _delete_subject(session, subject, report)
        purge_index_remnants(session)
    report.contacts, report.conversations = len(subject.contact_ids), len(subject.conversation_ids)
    report.messages = len(subject.message_ids)
    do_audit(
        session,
        user=actor,
        workspace_id=workspace_id,
        action="contact.erase",
        subject=("person", report.person_id),
        at=at,
        **report.to_json(),
    )
    record_event(
        session,
        workspace_id=workspace_id,
        type="contact.erased",
        at=at,
        actor_id=actor.id if actor else None,
        data={"person_id": report.person_id, "contacts": report.contacts},
    )
    return report


def checkpoint_after_erasure(engine: sa.Engine) -> bool:
    """SQLite keeps the pages an erasure replaced in its write-ahead log until a
    checkpoint: copy the log into the database file and truncate it, outside any
    transaction. True when the log was emptied (a long-running reader can delay it)."""
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        busy, _log, _done = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return int(busy) == 0
    finally:
        raw.close()
