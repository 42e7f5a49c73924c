"""Access to personal data: the view permission, revealing a message, and the audit log
of who viewed or exported it (ids and counts, never the data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.domain.errors import Forbidden, NotFound
from dmdesk.domain.pii_mask import can_view_pii
from dmdesk.models import Message, User
from dmdesk.models.people import PiiGrant, PrivacyAudit


def do_audit(
    session: Session,
    *,
    user: User | None,
    workspace_id: int,
    action: str,
    subject: tuple[str, int | None],
    at: datetime,
    **detail: Any,
) -> PrivacyAudit:
    """One audit row: who did what to whose data. `detail` holds ids and counts only."""
    row = PrivacyAudit(
        workspace_id=workspace_id,
        user_id=user.id if user else None,
        action=action,
        subject_kind=subject[0],
        subject_id=subject[1],
        detail=detail,
        at=at,
    )
    session.add(row)
    session.flush()
    return row


def has_pii_grant(session: Session, user: User) -> bool:
    return session.get(PiiGrant, user.id) is not None


def user_sees_pii(session: Session, user: User) -> bool:
    return can_view_pii(user, granted=user.role == "agent" and has_pii_grant(session, user))


def do_set_pii_grant(
    session: Session, *, admin: User, user: User, granted: bool, at: datetime
) -> bool:
    if admin.role != "admin":
        raise Forbidden("only admins grant the view-personal-data permission")
    row = session.get(PiiGrant, user.id)
    if granted and row is None:
        session.add(
            PiiGrant(
                user_id=user.id, workspace_id=user.workspace_id, granted_by=admin.id, granted_at=at
            )
        )
    elif not granted and row is not None:
        session.delete(row)
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="user.pii_grant_changed",
        at=at,
        actor_kind="user",
        actor_id=admin.id,
        data={"user_id": user.id, "granted": granted},
    )
    return granted


def do_reveal_message(session: Session, *, user: User, message_id: int, at: datetime) -> str:
    """The unmasked text of one message, for users who may see it; always audited."""
    msg = session.get(Message, message_id)
    if msg is None or msg.workspace_id != user.workspace_id:
        raise NotFound("message not found")
    if not user_sees_pii(session, user):
        raise Forbidden("you do not have the view-personal-data permission")
    do_audit(
        session,
        user=user,
        workspace_id=user.workspace_id,
        action="pii.reveal",
        subject=("message", msg.id),
        at=at,
        conversation_id=msg.conversation_id,
    )
    return msg.text or ""


def do_audit_search(
    session: Session, *, user: User, conversation_ids: list[int], at: datetime
) -> PrivacyAudit:
    """Search results showed personal data unmasked: which conversations' messages."""
    return do_audit(
        session,
        user=user,
        workspace_id=user.workspace_id,
        action="search.view",
        subject=("search", None),
        at=at,
        conversation_ids=sorted(conversation_ids),
    )
