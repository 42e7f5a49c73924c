"""The inbox: views, filters, keyset pagination on (queue_rank, sort_at, id), capped view
counts, and each row's SLA chip (the SLA job's latest computation)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from dmdesk.domain.clock import ensure_utc
from dmdesk.domain.pii_mask import mask_text
from dmdesk.models import Channel, Contact, Conversation, ConversationTag, TeamMember, User
from dmdesk.models.ownership import ConversationSla

PAGE = 50
VIEWS = (
    "mine",
    "unassigned",
    "open",
    "pending",
    "snoozed",
    "resolved",
    "spam",
    "breaching",
    "breached",
    "all",
)
COUNTED = ("mine", "unassigned", "open", "pending", "snoozed", "spam", "breaching", "breached")
COUNT_CAP = 1000  # the rail shows "999+" past this; counting stops there
SLA_VIEWS = {"breaching": ("warning",), "breached": ("breached",)}
ACTIVE_SLA = ("open", "pending", "snoozed")


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
    sla: SlaChip | None = None


@dataclass(frozen=True)
class SlaChip:
    """What the row shows of the conversation's headline SLA clock."""

    state: str  # ok | warning | breached | paused
    target: str | None
    due_at: datetime | None
    paused_reason: str | None


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str | None


def _apply_view(query: Select[Any], f: InboxFilter, user: User) -> Select[Any]:
    c = Conversation
    not_spam = or_(c.category.is_(None), c.category != "spam")
    active = c.status.in_(("open", "pending"))
    if f.view in SLA_VIEWS:
        query = query.where(
            ConversationSla.state.in_(SLA_VIEWS[f.view]), c.status.in_(ACTIVE_SLA), not_spam
        )
    elif f.view == "mine":
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
    session: Session,
    *,
    user: User,
    flt: InboxFilter,
    cursor: str | None = None,
    limit: int = PAGE,
    mask_pii: bool = False,
) -> InboxPage:
    """One page of the inbox in two queries (rows, tags). The page's ids are chosen first
    from the conversations table alone (an index walk in queue order), then joined.
    `mask_pii`: previews and phone-number names with personal data masked (agents without
    the "view personal data" permission)."""
    c = Conversation
    keys: Any = select(c.id).where(c.workspace_id == user.workspace_id)
    if flt.view in SLA_VIEWS:
        keys = keys.join(ConversationSla, ConversationSla.conversation_id == c.id)
    keys = _apply_filters(_apply_view(keys, flt, user), flt)
    order = _order(flt)
    if cursor and (key := decode_cursor(cursor)):
        keys = keys.where(tuple_(*order) > tuple_(*key[3 - len(order) :]))
    page = keys.order_by(*order).limit(limit + 1).subquery()
    query = (
        select(c, Contact, Channel, User.name, ConversationSla)
        .join(page, page.c.id == c.id)
        .join(Contact, Contact.id == c.contact_id)
        .join(Channel, Channel.id == c.channel_id)
        .outerjoin(User, User.id == c.assignee_id)
        .outerjoin(ConversationSla, ConversationSla.conversation_id == c.id)
        .order_by(*order)
    )
    found: list[Any] = list(session.execute(query).all())
    more = len(found) > limit
    found = found[:limit]
    tags = _tags_for(session, [r[0].id for r in found])
    rows = [
        _row(conv, contact, channel, name, tags.get(conv.id, []), sla_chip(sla, conv.status))
        for conv, contact, channel, name, sla in found
    ]
    if mask_pii:
        rows = [_masked(r) for r in rows]
    next_cursor = None
    if more and found:
        last, sla = found[-1][0], found[-1][4]
        if flt.view in SLA_VIEWS:  # (due_at, id): the cursor's rank is unused
            next_cursor = encode_cursor(last, 0, sla.due_at or last.sort_at)
        else:
            next_cursor = encode_cursor(last, last.queue_rank, last.sort_at)
    return InboxPage(rows=rows, next_cursor=next_cursor)


def _masked(row: InboxRow) -> InboxRow:
    return replace(
        row,
        preview=mask_text(row.preview) or "",
        contact_name=mask_text(row.contact_name) or "",
    )


def _order(flt: InboxFilter) -> tuple[Any, ...]:
    """Queue order; the SLA views list what falls (or fell) due first, along the
    (workspace_id, state, due_at) index of the SLA rows."""
    if flt.view in SLA_VIEWS:
        return (ConversationSla.due_at, Conversation.id)
    return (Conversation.queue_rank, Conversation.sort_at, Conversation.id)


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


def sla_chip(sla: ConversationSla | None, status: str) -> SlaChip | None:
    """Only a running, paused or missed clock of an unresolved conversation makes a chip."""
    if sla is None or status not in ACTIVE_SLA:
        return None
    if sla.state not in ("ok", "warning", "breached", "paused"):
        return None
    return SlaChip(sla.state, sla.target, sla.due_at, sla.paused_reason)


def _row(
    conv: Conversation,
    contact: Contact,
    channel: Channel,
    assignee: str | None,
    tags: list[str],
    sla: SlaChip | None = None,
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
        sla=sla,
    )


def _count_query(view: str, user: User) -> Select[Any]:
    """The view's membership as a bare id query, so each count walks one index."""
    c = Conversation
    if view in SLA_VIEWS:
        return _sla_count_query(view, user)
    base = select(c.id).where(c.workspace_id == user.workspace_id)
    if view == "spam":
        return base.where(c.category == "spam", c.status.in_(ACTIVE_SLA))
    return _apply_view(base, InboxFilter(view=view), user)


def _sla_count_query(view: str, user: User) -> Select[Any]:
    """SLA rows in that state whose conversation is still unresolved and not spam.

    Shaped for PostgreSQL's planner: a walk of the (workspace_id, state, due_at) index
    with a correlated primary-key check per row, stopping at the cap. A join makes it hash
    the whole conversations table; `= 1` instead of IS NOT NULL makes it expect few
    matches, cost the walk past the JIT threshold and spend 100+ ms compiling."""
    c, s = Conversation, ConversationSla
    not_spam = or_(c.category.is_(None), c.category != "spam")
    live = (
        select(literal(1))
        .where(c.id == s.conversation_id, c.status.in_(ACTIVE_SLA), not_spam)
        .correlate(s)
        .scalar_subquery()
    )
    return (
        select(s.conversation_id)
        .where(
            s.workspace_id == user.workspace_id,
            s.state.in_(SLA_VIEWS[view]),
            live.is_not(None),
        )
        .order_by(s.due_at)
    )


def view_counts(session: Session, *, user: User, cap: int = COUNT_CAP) -> dict[str, int]:
    """Counts for the views rail, each capped at `cap` (a LIMIT inside the count), in one
    round trip: the cost no longer grows with the number of conversations."""
    counts = [
        select(func.count()).select_from(_count_query(view, user).limit(cap).subquery())
        for view in COUNTED
    ]
    row = session.execute(select(*[q.scalar_subquery() for q in counts])).one()
    return dict(zip(COUNTED, (int(n) for n in row), strict=True))


def team_ids_of(session: Session, user: User) -> list[int]:
    return list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id)))
