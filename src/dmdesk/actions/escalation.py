"""Escalations: to another team or a specialist (reassigned with a note) at once, or to
e-mail or a ticketing webhook (queued, delivered after commit, each attempt logged)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.assignment import do_auto_assign
from dmdesk.actions.conversations import _event, do_assign_conversation, do_set_team
from dmdesk.actions.messages import do_add_note
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.models import Contact, Conversation, Message, Note, Team, User
from dmdesk.models.ownership import Escalation

MAX_ATTEMPTS = 5


class EscalationKind(StrEnum):
    EMAIL = "email"
    TEAM = "team"
    SPECIALIST = "specialist"
    TICKET = "ticket"


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min... between delivery attempts."""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


def _check_target(session: Session, conv: Conversation, kind: EscalationKind, target: str) -> None:
    if kind is EscalationKind.EMAIL and ("@" not in target or any(c in target for c in "\r\n ")):
        raise Invalid("escalate by e-mail to an address", field="target")
    if kind is EscalationKind.TICKET and not target.startswith(("http://", "https://")):
        raise Invalid("a ticketing webhook is an http(s) URL", field="target")
    if kind in (EscalationKind.TEAM, EscalationKind.SPECIALIST):
        found: Team | User | None = None
        if target.isdigit():
            is_team = kind is EscalationKind.TEAM
            found = session.get(Team if is_team else User, int(target))  # type: ignore[assignment]  # get() of a union of models is typed Base
        if found is None or found.workspace_id != conv.workspace_id:
            raise NotFound(f"no such {kind.value}")


def do_escalate(
    session: Session,
    *,
    conv: Conversation,
    kind: EscalationKind | str,
    target: str,
    at: datetime,
    actor_id: int | None,
    note: str = "",
) -> Escalation:
    """Record where the conversation goes; team and specialist moves happen now."""
    try:
        kind = EscalationKind(kind)
    except ValueError as exc:
        raise Invalid("escalate to email, team, specialist or ticket", field="kind") from exc
    target = target.strip()
    _check_target(session, conv, kind, target)
    immediate = kind in (EscalationKind.TEAM, EscalationKind.SPECIALIST)
    row = Escalation(
        workspace_id=conv.workspace_id,
        conversation_id=conv.id,
        kind=kind.value,
        target=target,
        state="done" if immediate else "queued",
        note=note.strip() or None,
        attempts=0,
        next_attempt_at=None if immediate else at,
        log=[],
        created_by=actor_id,
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    if note.strip() and actor_id is not None:
        do_add_note(
            session, conv=conv, text=f"Escalated ({kind.value}): {note}", at=at, author_id=actor_id
        )
    _move(session, conv, kind=kind, target=target, at=at, actor_id=actor_id)
    _event(
        session,
        conv,
        "conversation.escalated",
        at=at,
        actor_id=actor_id,
        data={
            "escalation_id": row.id,
            "kind": kind.value,
            "destination": target,
            "state": row.state,
        },
    )
    return row


def _move(
    session: Session,
    conv: Conversation,
    *,
    kind: EscalationKind,
    target: str,
    at: datetime,
    actor_id: int | None,
) -> None:
    """Team and specialist escalations move the conversation at once."""
    if kind is EscalationKind.TEAM:
        do_set_team(
            session, conv=conv, team_id=int(target), at=at, actor_id=actor_id, reason="escalation"
        )
        do_assign_conversation(
            session, conv=conv, assignee_id=None, at=at, actor_id=actor_id, reason="escalation"
        )
        do_auto_assign(session, conv=conv, at=at)
    elif kind is EscalationKind.SPECIALIST:
        do_assign_conversation(
            session,
            conv=conv,
            assignee_id=int(target),
            at=at,
            actor_id=actor_id,
            reason="escalation",
        )


def do_record_escalation_attempt(
    session: Session, *, escalation_id: int, ok: bool, detail: str, at: datetime
) -> Escalation:
    """Log one delivery attempt: delivered, retry later with backoff, or failed for good."""
    row = session.get(Escalation, escalation_id)
    if row is None:
        raise NotFound("no such escalation")
    row.attempts += 1
    row.log = [*row.log, {"at": at.isoformat(), "ok": ok, "detail": detail[:500]}]
    row.updated_at = at
    if ok:
        row.state, row.next_attempt_at = "delivered", None
    elif row.attempts >= MAX_ATTEMPTS:
        row.state, row.next_attempt_at = "failed", None
    else:
        row.state, row.next_attempt_at = "retrying", at + backoff(row.attempts)
    conv = session.get_one(Conversation, row.conversation_id)
    _event(
        session,
        conv,
        f"escalation.{row.state}",
        at=at,
        actor_id=None,
        data={"escalation_id": row.id, "kind": row.kind, "attempts": row.attempts},
    )
    return row


def due_escalations(session: Session, *, now: datetime, limit: int = 50) -> list[int]:
    return list(
        session.scalars(
            select(Escalation.id)
            .where(Escalation.state.in_(("queued", "retrying")), Escalation.next_attempt_at <= now)
            .order_by(Escalation.next_attempt_at, Escalation.id)
            .limit(limit)
        )
    )


def transcript(session: Session, conv: Conversation) -> str:
    """The thread as plain text: messages and internal notes in time order."""
    contact = session.get(Contact, conv.contact_id)
    who = (contact.name or contact.handle or contact.external_id) if contact else "Contact"
    names = dict(
        session.execute(
            select(User.id, User.name).where(User.workspace_id == conv.workspace_id)
        ).all()
    )
    lines: list[tuple[datetime, str]] = []
    for m in session.scalars(select(Message).where(Message.conversation_id == conv.id)):
        author = (
            who if m.direction == "inbound" else names.get(m.author_user_id or 0, m.author_kind)
        )
        lines.append(
            (m.sent_at, f"[{m.sent_at:%Y-%m-%d %H:%M} UTC] {author}: {m.text or '(file)'}")
        )
    notes = session.scalars(select(Note).where(Note.conversation_id == conv.id))
    lines.extend(
        (
            n.created_at,
            f"[{n.created_at:%Y-%m-%d %H:%M} UTC] (note) {names.get(n.author_user_id)}: {n.text}",
        )
        for n in notes
    )
    return "\n".join(text for _at, text in sorted(lines, key=lambda pair: pair[0]))


def reply_token(secret: str, conversation_id: int) -> str:
    """`<id>.<mac>`: an e-mail reply to reply+<token>@domain finds its conversation."""
    mac = hmac.new(secret.encode(), f"conv:{conversation_id}".encode(), hashlib.sha256)
    return f"{conversation_id}.{mac.hexdigest()[:24]}"


def conversation_of_reply_token(secret: str, token: str) -> int | None:
    head, _, _mac = token.partition(".")
    if not head.isdigit():
        return None
    expected = reply_token(secret, int(head))
    return int(head) if hmac.compare_digest(expected, token) else None


def do_record_email_reply(
    session: Session, *, conv: Conversation, sender: str, text: str, at: datetime
) -> Note:
    """A reply to an escalation e-mail lands in the thread as an internal note, written
    in the name of whoever escalated (else the assignee)."""
    latest = session.scalars(
        select(Escalation)
        .where(Escalation.conversation_id == conv.id, Escalation.kind == EscalationKind.EMAIL.value)
        .order_by(Escalation.id.desc())
        .limit(1)
    ).first()
    author = (latest.created_by if latest else None) or conv.assignee_id
    if latest is None or author is None:
        raise NotFound("this conversation has no e-mail escalation to reply to")
    note = do_add_note(
        session,
        conv=conv,
        text=f"E-mail reply from {sender}:\n\n{text.strip()}",
        at=at,
        author_id=author,
    )
    latest.state, latest.updated_at = "replied", at
    _event(
        session,
        conv,
        "escalation.replied",
        at=at,
        actor_id=None,
        data={"escalation_id": latest.id, "note_id": note.id},
    )
    return note
