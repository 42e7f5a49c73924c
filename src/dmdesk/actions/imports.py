"""Importing conversation history from another tool (docs/IMPORT.md), through the same
ingestion actions as live traffic, with each event logged at its historical time so the
metrics cover imported history. Idempotent: message ids are stable across re-imports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import _event, do_add_tag, do_assign_conversation, do_set_status
from dmdesk.actions.ingest import (
    do_ingest_message,
    touch_last_message,
    upsert_contact,
    upsert_conversation,
)
from dmdesk.db.upsert import insert_ignore
from dmdesk.domain.clock import ensure_utc
from dmdesk.domain.errors import Invalid
from dmdesk.domain.inbound import ContactRef, InboundMessage
from dmdesk.models import Channel, Conversation, Message, User

AuthorName = Literal["contact", "agent", "bot"]


class ImportContact(BaseModel):
    model_config = ConfigDict(extra="ignore")

    external_id: str = Field(validation_alias=AliasChoices("external_id", "id"), min_length=1)
    name: str | None = None
    handle: str | None = None
    phone: str | None = None


class ImportMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    author: AuthorName = Field(validation_alias=AliasChoices("author", "author_kind", "kind"))
    at: datetime = Field(validation_alias=AliasChoices("at", "sent_at", "time", "timestamp"))
    text: str | None = None
    external_id: str | None = Field(None, validation_alias=AliasChoices("external_id", "id"))

    @field_validator("at")
    @classmethod
    def _with_offset(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("time needs a UTC offset, e.g. 2026-03-01T10:00:00+01:00")
        return ensure_utc(value)


class ImportRow(BaseModel):
    """One line of the JSONL file: a conversation with its contact and messages."""

    model_config = ConfigDict(extra="ignore")

    external_id: str | None = Field(None, validation_alias=AliasChoices("external_id", "id"))
    contact: ImportContact
    messages: Annotated[list[ImportMessage], Field(min_length=1)]
    status: Literal["open", "pending", "resolved"] | None = None
    resolved_at: datetime | None = None
    assignee_email: str | None = None
    tags: list[str] = Field(default_factory=list)


def parse_row(raw: str) -> ImportRow:
    """Validate one JSONL line; raises Invalid with a short reason."""
    try:
        return ImportRow.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "row"
        raise Invalid(f"{where}: {first['msg']}") from exc


@dataclass(frozen=True)
class ImportOutcome:
    conversation_id: int
    new_messages: int
    duplicates: int


def _message_key(row: ImportRow, index: int, msg: ImportMessage) -> str:
    if msg.external_id:
        return f"import:{msg.external_id}"[:255]
    basis = "|".join([row.external_id or row.contact.external_id, str(index), msg.author,
                      msg.at.isoformat(), msg.text or ""])  # fmt: skip
    return "import:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def _contact_ref(row: ImportRow) -> ContactRef:
    c = row.contact
    return ContactRef(external_id=c.external_id, name=c.name, handle=c.handle, phone=c.phone)


def _import_bot(session: Session, *, channel: Channel, conv: Conversation, msg: ImportMessage,
                key: str) -> bool:  # fmt: skip
    values: dict[str, Any] = {
        "workspace_id": channel.workspace_id, "conversation_id": conv.id,
        "channel_id": channel.id, "direction": "outbound", "author_kind": "bot",
        "platform_message_id": key, "text": msg.text, "attachments": [],
        "delivery_status": "sent", "sent_at": msg.at, "received_at": msg.at,
        "is_deleted": False, "reactions": [], "meta": {"imported": True},
    }  # fmt: skip
    new_id = insert_ignore(session, Message, values, conflict=["channel_id", "platform_message_id"])
    if new_id is None:
        return False
    row = session.get_one(Message, new_id)
    touch_last_message(conv, row, msg.at)
    data = {"message_id": new_id, "direction": "outbound", "author_kind": "bot",
            "channel_id": channel.id, "sent_at": msg.at.isoformat(), "echo": False}  # fmt: skip
    _event(session, conv, "message.created", at=msg.at, actor_id=None, actor_kind="bot", data=data)
    return True


def _import_person(session: Session, *, channel: Channel, row: ImportRow, msg: ImportMessage,
                   key: str) -> bool:  # fmt: skip
    event = InboundMessage(account_id=channel.external_id, occurred_at=msg.at,
                           contact=_contact_ref(row), message_id=key, text=msg.text,
                           is_echo=msg.author == "agent")  # fmt: skip
    return not do_ingest_message(session, channel=channel, event=event, at=msg.at).duplicate


def _assignee(session: Session, workspace_id: int, email: str | None) -> int | None:
    if not email:
        return None
    user_id = session.scalar(
        select(User.id).where(User.workspace_id == workspace_id, User.email == email.lower())
    )
    if user_id is None:
        raise Invalid(f"assignee_email: no user {email} in this workspace")
    return user_id


def do_import_conversation(session: Session, *, channel: Channel, row: ImportRow) -> ImportOutcome:
    """Import one conversation; messages already imported are skipped."""
    messages = sorted(enumerate(row.messages), key=lambda im: (im[1].at, im[0]))
    assignee = _assignee(session, channel.workspace_id, row.assignee_email)
    first = messages[0][1].at
    contact = upsert_contact(session, channel=channel, ref=_contact_ref(row), at=first)
    conv, _created = upsert_conversation(session, channel=channel, contact=contact, at=first)
    new = 0
    for index, msg in messages:
        key = _message_key(row, index, msg)
        if msg.author == "bot":
            new += _import_bot(session, channel=channel, conv=conv, msg=msg, key=key)
        else:
            new += _import_person(session, channel=channel, row=row, msg=msg, key=key)
        if assignee is not None and conv.assignee_id is None:
            do_assign_conversation(session, conv=conv, assignee_id=assignee, at=msg.at,
                                   actor_id=None, reason="import")  # fmt: skip
    _finish(session, conv=conv, row=row, last=messages[-1][1].at)
    return ImportOutcome(conv.id, new, len(messages) - new)


def _finish(session: Session, *, conv: Conversation, row: ImportRow, last: datetime) -> None:
    for tag in row.tags:
        do_add_tag(session, conv=conv, tag=tag, at=last, actor_id=None)
    if row.status and row.status != conv.status:
        at = ensure_utc(row.resolved_at) if row.resolved_at and row.resolved_at.tzinfo else last
        do_set_status(session, conv=conv, status=row.status, at=max(at, last), actor_id=None)
