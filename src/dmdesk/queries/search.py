"""Search across contacts and message text: SQLite FTS5 or PostgreSQL full-text.

The index (`messages_fts`, migration 0303) holds message text with personal data masked
unless the workspace opted in, so a phone number or e-mail finds nothing. Snippets are
cut from the text the caller may see: masked for users without the PII permission."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from dmdesk.domain.pii_mask import mask_text
from dmdesk.models import Contact, Conversation, Message

MAX_RESULTS = 30
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class MessageHit:
    message_id: int
    conversation_id: int
    snippet_html: str  # escaped text with <mark> around matches
    shows_pii: bool = False  # cut from unmasked text that holds personal data (audited)


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


_PG_FTS = sa.table(
    "messages_fts",
    sa.column("message_id", sa.BigInteger),
    sa.column("workspace_id", sa.Integer),
    sa.column("document"),
)


def _matching(session: Session, workspace_id: int, terms: list[str]) -> sa.ColumnElement[bool]:
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join(f'"{t}"*' for t in terms)
        ids_query = text(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH :m "
            "AND workspace_id = :ws ORDER BY rank LIMIT 200"
        ).bindparams(m=match, ws=workspace_id)
        return Message.id.in_([r[0] for r in session.execute(ids_query)])
    tsq = func.to_tsquery("simple", " & ".join(f"{t}:*" for t in terms))
    return Message.id.in_(
        select(_PG_FTS.c.message_id).where(
            _PG_FTS.c.workspace_id == workspace_id, _PG_FTS.c.document.op("@@")(tsq)
        )
    )


def search_messages(
    session: Session, *, workspace_id: int, q: str, sees_pii: bool = False
) -> list[MessageHit]:
    """Messages whose indexed (masked) text matches every word of `q`, newest first."""
    terms = _terms(q)
    if not terms:
        return []
    rows = session.execute(
        select(Message.id, Message.conversation_id, Message.text)
        .where(
            Message.workspace_id == workspace_id,
            _matching(session, workspace_id, terms),
            Message.is_deleted.is_(False),
        )
        .order_by(Message.id.desc())
        .limit(MAX_RESULTS)
    ).all()
    hits = []
    for mid, cid, txt in rows:
        masked = mask_text(txt)
        shown = txt if sees_pii else masked
        hits.append(MessageHit(mid, cid, highlight(shown or "", terms), shown != masked))
    return hits


def search_contacts(
    session: Session, *, workspace_id: int, q: str, sees_pii: bool = False
) -> list[ContactHit]:
    """Contacts by name, handle or exact channel id; a label that is personal data (a
    WhatsApp number standing in for a name) is masked for callers who may not see it."""
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
    shown = (lambda v: v) if sees_pii else mask_text
    return [
        ContactHit(cid, conv_id, shown(name or handle or ext) or "", shown(handle))
        for cid, conv_id, name, handle, ext in rows
    ]
