"""In-app notifications (assignment, @mention, SLA warning, customer reply) honouring
each user's preferences, marking them read, and finding @mentions in notes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.domain.errors import Invalid
from dmdesk.models import Conversation, User
from dmdesk.models.ownership import Notification

KINDS = ("assignment", "mention", "sla", "reply")
PREFS_KEY = "notifications"
BROWSER_KEY = "notifications_browser"  # which kinds also pop up as browser notifications
_MENTION = re.compile(r"(?<![\w.])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def wants(user: User, kind: str) -> bool:
    """Every kind is on unless the user turned it off."""
    prefs = (user.preferences or {}).get(PREFS_KEY) or {}
    return bool(prefs.get(kind, True))


def wants_browser(user: User, kind: str) -> bool:
    """Browser notifications are off until the user turns them on (and grants permission)."""
    prefs = (user.preferences or {}).get(BROWSER_KEY) or {}
    return bool(prefs.get(kind, False)) and wants(user, kind)


def browser_preferences(user: User) -> dict[str, bool]:
    prefs = (user.preferences or {}).get(BROWSER_KEY) or {}
    return {kind: bool(prefs.get(kind, False)) for kind in KINDS}


def _merge_preferences(
    session: Session, *, user: User, key: str, field: str, prefs: dict[str, bool], at: datetime
) -> dict[str, bool]:
    """Store `prefs` over the user's `key` preferences (unknown kinds refused) and log it."""
    unknown = set(prefs) - set(KINDS)
    if unknown:
        raise Invalid(f"unknown notification kinds {sorted(unknown)}", field=field)
    merged = {**((user.preferences or {}).get(key) or {}), **prefs}
    user.preferences = {**(user.preferences or {}), key: merged}
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="user.notification_preferences",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={field: merged},
    )
    return merged


def do_set_browser_preferences(
    session: Session, *, user: User, prefs: dict[str, bool], at: datetime
) -> dict[str, bool]:
    _merge_preferences(session, user=user, key=BROWSER_KEY, field="browser", prefs=prefs, at=at)
    return browser_preferences(user)


def do_notify(
    session: Session,
    *,
    user_id: int,
    kind: str,
    conv: Conversation | None,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Store a notification and record `notification.created` for live updates."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or not wants(user, kind):
        return None
    row = Notification(
        workspace_id=user.workspace_id,
        user_id=user_id,
        kind=kind,
        conversation_id=conv.id if conv else None,
        data=data or {},
        created_at=at,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="notification.created",
        at=at,
        conversation_id=row.conversation_id,
        data={"notification_id": row.id, "user_id": user_id, "kind": kind},
    )
    return row


def do_mark_notifications_read(
    session: Session, *, user: User, at: datetime, ids: list[int] | None = None
) -> int:
    """Mark some (or, with `ids` None, all) of the user's unread notifications read."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    count = int(session.execute(stmt.values(read_at=at)).rowcount)  # type: ignore[attr-defined]  # CursorResult has rowcount
    if count:
        record_event(
            session,
            workspace_id=user.workspace_id,
            type="notification.read",
            at=at,
            actor_kind="user",
            actor_id=user.id,
            data={"user_id": user.id, "count": count},
        )
    return count


def do_set_notification_preferences(
    session: Session, *, user: User, prefs: dict[str, bool], at: datetime
) -> dict[str, bool]:
    merged = _merge_preferences(
        session, user=user, key=PREFS_KEY, field="preferences", prefs=prefs, at=at
    )
    return {kind: bool(merged.get(kind, True)) for kind in KINDS}


def list_notifications(
    session: Session, *, user: User, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mentioned_users(session: Session, *, workspace_id: int, text: str) -> list[User]:
    """Users named in a note as @email, @name or @first-word-of-name (case-insensitive)."""
    handles = {h.lower().rstrip(".") for h in _MENTION.findall(text)}
    if not handles:
        return []
    users = session.scalars(
        select(User).where(User.workspace_id == workspace_id, User.is_active.is_(True))
    )
    return [
        u
        for u in users
        if u.email.lower() in handles
        or u.name.lower().replace(" ", "") in handles
        or u.email.split("@")[0].lower() in handles
    ]
