"""Conversation state changes: assign, team, status (resolve, reopen, snooze), tags, priority."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.domain.enums import Category, ConversationStatus, Priority
from dmdesk.domain.errors import Conflict, Invalid, NotFound
from dmdesk.models import Conversation, ConversationTag, Team, TeamMember, User

TAG_MAX = 64


def refresh_queue_position(conv: Conversation) -> None:
    """Keep the inbox sort key (priority, waiting first, oldest wait) in step with the row."""
    rank = Priority(conv.priority).sort_rank
    waiting = conv.waiting_since is not None
    conv.queue_rank = rank * 2 + (0 if waiting else 1)
    conv.sort_at = conv.waiting_since or conv.last_message_at


HUMAN_KEY = "decided_by_people"


def mark_human_decision(conv: Conversation, what: str) -> None:
    """Remember on the row that a person set this, so automation never overrides it."""
    decided = set(conv.triage.get(HUMAN_KEY, []))
    decided.add(what)
    conv.triage = {**conv.triage, HUMAN_KEY: sorted(decided)}


def _touch(conv: Conversation, at: datetime) -> None:
    conv.version += 1
    conv.updated_at = at


def _event(
    session: Session,
    conv: Conversation,
    type_: str,
    *,
    at: datetime,
    actor_id: int | None,
    data: dict[str, Any] | None = None,
    actor_kind: str | None = None,
) -> None:
    record_event(
        session,
        workspace_id=conv.workspace_id,
        type=type_,
        at=at,
        conversation_id=conv.id,
        actor_kind=actor_kind,
        actor_id=actor_id,
        data=data or {},
    )


def _check_version(conv: Conversation, expected: int | None) -> None:
    if expected is not None and expected != conv.version:
        raise Conflict("this conversation changed since you opened it; review and try again")


def do_assign_conversation(
    session: Session,
    *,
    conv: Conversation,
    assignee_id: int | None,
    at: datetime,
    actor_id: int | None,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Conversation:
    _check_version(conv, expected_version)
    if assignee_id is not None:
        user = session.get(User, assignee_id)
        if user is None or user.workspace_id != conv.workspace_id or not user.is_active:
            raise NotFound("no such agent")
    if conv.assignee_id == assignee_id:
        return conv
    previous = conv.assignee_id
    conv.assignee_id = assignee_id
    _touch(conv, at)
    _event(
        session,
        conv,
        "conversation.assigned",
        at=at,
        actor_id=actor_id,
        data={"from": previous, "to": assignee_id, "reason": reason},
    )
    return conv


def do_set_team(
    session: Session,
    *,
    conv: Conversation,
    team_id: int | None,
    at: datetime,
    actor_id: int | None,
    reason: str | None = None,
) -> Conversation:
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None or team.workspace_id != conv.workspace_id:
            raise NotFound("no such team")
    if conv.team_id == team_id:
        return conv
    previous = conv.team_id
    conv.team_id = team_id
    _touch(conv, at)
    _event(
        session,
        conv,
        "conversation.team_changed",
        at=at,
        actor_id=actor_id,
        data={"from": previous, "to": team_id, "reason": reason},
    )
    return conv


def do_set_status(
    session: Session,
    *,
    conv: Conversation,
    status: ConversationStatus | str,
    at: datetime,
    actor_id: int | None,
    snoozed_until: datetime | None = None,
    expected_version: int | None = None,
) -> Conversation:
    _check_version(conv, expected_version)
    try:
        status = ConversationStatus(status)
    except ValueError as exc:
        raise Invalid("status must be open, pending, snoozed or resolved", field="status") from exc
    if status is ConversationStatus.SNOOZED and (snoozed_until is None or snoozed_until <= at):
        raise Invalid("snooze needs a time in the future", field="snoozed_until")
    previous = ConversationStatus(conv.status)
    if previous is status and status is not ConversationStatus.SNOOZED:
        return conv
    conv.status = status.value
    conv.snoozed_until = snoozed_until if status is ConversationStatus.SNOOZED else None
    if status is ConversationStatus.RESOLVED:
        conv.resolved_at = at
    _touch(conv, at)
    type_ = {
        ConversationStatus.RESOLVED: "conversation.resolved",
        ConversationStatus.SNOOZED: "conversation.snoozed",
        ConversationStatus.PENDING: "conversation.pending",
        ConversationStatus.OPEN: "conversation.reopened"
        if previous in (ConversationStatus.RESOLVED, ConversationStatus.SNOOZED)
        else "conversation.opened",
    }[status]
    data: dict[str, Any] = {"from": previous.value, "to": status.value}
    if snoozed_until is not None:
        data["until"] = snoozed_until.isoformat()
    _event(session, conv, type_, at=at, actor_id=actor_id, data=data)
    return conv


def normalise_tag(tag: str) -> str:
    tag = tag.strip().lower().lstrip("#")
    if not tag or len(tag) > TAG_MAX:
        raise Invalid(f"a tag has 1 to {TAG_MAX} characters", field="tag")
    return tag


def conversation_tags(session: Session, conv_id: int) -> list[str]:
    rows = session.scalars(
        select(ConversationTag.tag).where(ConversationTag.conversation_id == conv_id)
    )
    return sorted(rows)


def do_add_tag(
    session: Session, *, conv: Conversation, tag: str, at: datetime, actor_id: int | None
) -> Conversation:
    tag = normalise_tag(tag)
    if session.get(ConversationTag, (conv.id, tag)) is not None:
        return conv
    session.add(ConversationTag(conversation_id=conv.id, tag=tag, workspace_id=conv.workspace_id))
    _touch(conv, at)
    _event(session, conv, "conversation.tagged", at=at, actor_id=actor_id, data={"tag": tag})
    return conv


def do_remove_tag(
    session: Session, *, conv: Conversation, tag: str, at: datetime, actor_id: int | None
) -> Conversation:
    tag = normalise_tag(tag)
    deleted = session.execute(
        delete(ConversationTag).where(
            ConversationTag.conversation_id == conv.id, ConversationTag.tag == tag
        )
    )
    if deleted.rowcount:  # type: ignore[attr-defined]  # CursorResult has rowcount
        _touch(conv, at)
        _event(session, conv, "conversation.untagged", at=at, actor_id=actor_id, data={"tag": tag})
    return conv


def do_set_priority(
    session: Session,
    *,
    conv: Conversation,
    priority: Priority | str,
    at: datetime,
    actor_id: int | None,
    reason: str | None = None,
) -> Conversation:
    try:
        priority = Priority(priority)
    except ValueError as exc:
        raise Invalid("priority must be urgent, high, normal or low", field="priority") from exc
    if conv.priority == priority.value:
        return conv
    previous = conv.priority
    conv.priority = priority.value
    if actor_id is not None:
        mark_human_decision(conv, "priority")
    refresh_queue_position(conv)
    _touch(conv, at)
    _event(
        session,
        conv,
        "conversation.priority_changed",
        at=at,
        actor_id=actor_id,
        data={"from": previous, "to": priority.value, "reason": reason},
    )
    return conv


def do_set_category(
    session: Session,
    *,
    conv: Conversation,
    category: Category | str,
    at: datetime,
    actor_id: int | None,
) -> Conversation:
    """A human correction of the triage category (kept as a labelled example by triage)."""
    try:
        category = Category(category)
    except ValueError as exc:
        raise Invalid("unknown category", field="category") from exc
    previous = conv.category
    conv.category = category.value
    conv.category_confidence = 1.0
    mark_human_decision(conv, "category")
    _touch(conv, at)
    _event(
        session,
        conv,
        "conversation.category_corrected",
        at=at,
        actor_id=actor_id,
        data={"from": previous, "to": category.value},
    )
    return conv


def do_mark_read(session: Session, *, conv: Conversation, at: datetime, actor_id: int) -> None:
    if conv.unread_count:
        conv.unread_count = 0
        _event(session, conv, "conversation.read", at=at, actor_id=actor_id)


def user_team_ids(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))
