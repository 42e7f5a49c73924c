"""The inbox: views, filters, keyset pagination on (queue_rank, sort_at, id), view counts."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from dmdesk.domain.clock import ensure_utc
from dmdesk.models import Channel, Contact, Conversation, ConversationTag, TeamMember, User

PAGE = 50
VIEWS = ("mine", "unassigned", "open", "pending", "snoozed", "resolved", "spam", "all")


@dataclass(frozen=True)
class InboxFilter:
    view: str = "open"
    team_id: int | None = None
    channel_id: int | None = None
    tag: str | None = None
    status: str | None = None
    category: str | None = None
    priority: str | None = None
    assignee_id: int | None = None


@dataclass(frozen=True)
class InboxRow:
    id: int
    contact_name: str
    contact_handle: str | None
    platform: str
    channel_name: str
    status: str
    priority: str
    category: str | None
    assignee_id: int | None
    assignee_name: str | None
    team_id: int | None
    preview: str
    last_author: str
    last_message_at: datetime
    waiting_since: datetime | None
    unread_count: int
    snoozed_until: datetime | None
    version: int
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str | None


def _apply_view(query: Select[Any], f: InboxFilter, user: User) -> Select[Any]:
    c = Conversation
    not_spam = or_(c.category.is_(None), c.category != "spam")
    active = c.status.in_(("open", "pending"))
    if f.view == "mine":
        query = query.where(c.assignee_id == user.id, active, not_spam)
    elif f.view == "unassigned":
        query = query.where(c.assignee_id.is_(None), c.status == "open", not_spam)
    elif f.view == "open":
        query = query.where(c.status == "open", not_spam)
    elif f.view in ("pending", "snoozed", "resolved"):
        query = query.where(c.status == f.view, not_spam)
    elif f.view == "spam":
        query = query.where(c.category == "spam", c.status != "resolved")
    if f.status:
        query = query.where(c.status == f.status)
    return query


def _apply_filters(query: Select[Any], f: InboxFilter) -> Select[Any]:
    c = Conversation
    if f.team_id is not None:
        query = query.where(c.team_id == f.team_id)
    if f.channel_id is not None:
        query = query.where(c.channel_id == f.channel_id)
    if f.category:
        query = query.where(c.category == f.category)
    if f.priority:
        query = query.where(c.priority == f.priority)
    if f.assignee_id is not None:
        query = query.where(c.assignee_id == f.assignee_id)
    if f.tag:
        query = query.where(
            c.id.in_(
                select(ConversationTag.conversation_id).where(
                    ConversationTag.workspace_id == c.workspace_id, ConversationTag.tag == f.tag
                )
            )
        )
    return query


def encode_cursor(row: Conversation | InboxRow, rank: int, sort_at: datetime) -> str:
    raw = json.dumps([rank, sort_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[int, datetime, int] | None:
    try:
        rank, at, ident = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(rank), ensure_utc(datetime.fromisoformat(at)), int(ident)
    except (ValueError, TypeError):
        return None


def list_conversations(
    session: Session, *, user: User, flt: InboxFilter, cursor: str | None = None, limit: int = PAGE
) -> InboxPage:
    """One page of the inbox in at most three queries (rows, tags, nothing else)."""
    c = Conversation
    query: Any = (
        select(c, Contact, Channel, User.name)
        .join(Contact, Contact.id == c.contact_id)
        .join(Channel, Channel.id == c.channel_id)
        .outerjoin(User, User.id == c.assignee_id)
        .where(c.workspace_id == user.workspace_id)
    )
    query = _apply_filters(_apply_view(query, flt, user), flt)
    if cursor and (key := decode_cursor(cursor)):
        query = query.where(tuple_(c.queue_rank, c.sort_at, c.id) > tuple_(*key))
    query = query.order_by(c.queue_rank, c.sort_at, c.id).limit(limit + 1)
    found: list[Any] = list(session.execute(query).all())
    more = len(found) > limit
    found = found[:limit]
    tags = _tags_for(session, [r[0].id for r in found])
    rows = [
        _row(conv, contact, channel, name, tags.get(conv.id, []))
        for conv, contact, channel, name in found
    ]
    next_cursor = None
    if more and found:
        last = found[-1][0]
        next_cursor = encode_cursor(last, last.queue_rank, last.sort_at)
    return InboxPage(rows=rows, next_cursor=next_cursor)


def _tags_for(session: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not ids:
        return out
    for conv_id, tag in session.execute(
        select(ConversationTag.conversation_id, ConversationTag.tag)
        .where(ConversationTag.conversation_id.in_(ids))
        .order_by(ConversationTag.tag)
    ):
        out.setdefault(conv_id, []).append(tag)
    return out


def _row(
    conv: Conversation, contact: Contact, channel: Channel, assignee: str | None, tags: list[str]
) -> InboxRow:
    return InboxRow(
        id=conv.id,
        contact_name=contact.name or contact.handle or contact.external_id,
        contact_handle=contact.handle,
        platform=channel.platform,
        channel_name=channel.name,
        status=conv.status,
        priority=conv.priority,
        category=conv.category,
        assignee_id=conv.assignee_id,
        assignee_name=assignee,
        team_id=conv.team_id,
        preview=conv.last_message_preview,
        last_author=conv.last_message_author,
        last_message_at=conv.last_message_at,
        waiting_since=conv.waiting_since,
        unread_count=conv.unread_count,
        snoozed_until=conv.snoozed_until,
        version=conv.version,
        tags=tags,
    )


def view_counts(session: Session, *, user: User) -> dict[str, int]:
    """Counts for the views rail in one grouped query."""
    c = Conversation
    not_spam = or_(c.category.is_(None), c.category != "spam")
    spam = and_(c.category == "spam", c.status != "resolved")
    active = c.status.in_(("open", "pending"))
    row = session.execute(
        select(
            func.count().filter(c.assignee_id == user.id, active, not_spam),
            func.count().filter(c.assignee_id.is_(None), c.status == "open", not_spam),
            func.count().filter(c.status == "open", not_spam),
            func.count().filter(c.status == "pending", not_spam),
            func.count().filter(c.status == "snoozed", not_spam),
            func.count().filter(spam),
        ).where(c.workspace_id == user.workspace_id)
    ).one()
    return dict(zip(("mine", "unassigned", "open", "pending", "snoozed", "spam"), row, strict=True))


def team_ids_of(session: Session, user: User) -> list[int]:
    return list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id)))
