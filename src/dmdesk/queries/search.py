"""Search across contacts and message text: SQLite FTS5 or PostgreSQL full-text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from dmdesk.models import Contact, Conversation, Message

MAX_RESULTS = 30
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class MessageHit:
    message_id: int
    conversation_id: int
    snippet_html: str  # escaped text with <mark> around matches


@dataclass(frozen=True)
class ContactHit:
    contact_id: int
    conversation_id: int | None
    name: str
    handle: str | None


def _terms(q: str) -> list[str]:
    return [w for w in _WORD.findall(q.lower()) if w][:8]


def highlight(text_value: str, terms: list[str], *, width: int = 160) -> str:
    """Escape, cut around the first match, and wrap matches in <mark>."""
    import html

    lowered = text_value.lower()
    first = min((lowered.find(t) for t in terms if t in lowered), default=0)
    start = max(0, first - width // 3)
    piece = text_value[start : start + width]
    escaped = html.escape(piece)
    for term in sorted(set(terms), key=len, reverse=True):
        escaped = re.sub(
            f"({re.escape(html.escape(term))})", r"<mark>\1</mark>", escaped, flags=re.IGNORECASE
        )
    return ("…" if start else "") + escaped + ("…" if start + width < len(text_value) else "")


def search_messages(session: Session, *, workspace_id: int, q: str) -> list[MessageHit]:
    terms = _terms(q)
    if not terms:
        return []
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join(f'"{t}"*' for t in terms)
        ids_query = text(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH :m ORDER BY rank LIMIT 200"
        ).bindparams(m=match)
        ids = [r[0] for r in session.execute(ids_query)]
        cond = Message.id.in_(ids)
    else:
        tsq = func.to_tsquery("simple", " & ".join(f"{t}:*" for t in terms))
        cond = func.to_tsvector("simple", func.coalesce(Message.text, "")).op("@@")(tsq)
    rows = session.execute(
        select(Message.id, Message.conversation_id, Message.text)
        .where(Message.workspace_id == workspace_id, cond, Message.is_deleted.is_(False))
        .order_by(Message.id.desc())
        .limit(MAX_RESULTS)
    ).all()
    return [MessageHit(mid, cid, highlight(txt or "", terms)) for mid, cid, txt in rows]


def search_contacts(session: Session, *, workspace_id: int, q: str) -> list[ContactHit]:
    needle = q.strip().lower()
    if not needle:
        return []
    like = f"%{needle}%"
    rows = session.execute(
        select(Contact.id, Conversation.id, Contact.name, Contact.handle, Contact.external_id)
        .outerjoin(Conversation, Conversation.contact_id == Contact.id)
        .where(
            Contact.workspace_id == workspace_id,
            or_(
                func.lower(Contact.name).like(like),
                func.lower(Contact.handle).like(like),
                Contact.external_id == q.strip(),
            ),
        )
        .limit(MAX_RESULTS)
    ).all()
    return [
        ContactHit(cid, conv_id, name or handle or ext, handle)
        for cid, conv_id, name, handle, ext in rows
    ]
