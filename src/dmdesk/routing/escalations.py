"""Delivering e-mail and ticket escalations after commit: an SMTP message with the thread
transcript and a Reply-To that threads back, or a signed webhook; every attempt logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx

from dmdesk.actions.escalation import (
    do_record_escalation_attempt,
    due_escalations,
    reply_token,
    transcript,
)
from dmdesk.config import Settings
from dmdesk.db.database import Database
from dmdesk.domain.clock import Clock
from dmdesk.models import Contact, Conversation
from dmdesk.models.ownership import Escalation

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Dmdesk-Signature"
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Outgoing:
    """One escalation and what it carries, read before any I/O."""

    escalation_id: int
    kind: str
    target: str
    conversation_id: int
    subject: str
    transcript: str
    note: str | None


def ticket_secret(settings: Settings) -> str:
    """The key tickets are signed with, derived from the instance's secret key."""
    key = settings.effective_secret_key().encode()
    return hmac.new(key, b"dmdesk-ticket-webhook", hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _load(db: Database, escalation_id: int) -> Outgoing | None:
    with db.session() as s:
        row = s.get(Escalation, escalation_id)
        if row is None or row.state not in ("queued", "retrying"):
            return None
        conv = s.get_one(Conversation, row.conversation_id)
        contact = s.get(Contact, conv.contact_id)
        who = (contact.name or contact.handle or contact.external_id) if contact else "a contact"
        return Outgoing(
            escalation_id=row.id,
            kind=row.kind,
            target=row.target,
            conversation_id=conv.id,
            subject=f"[dmdesk #{conv.id}] Conversation with {who}",
            transcript=transcript(s, conv),
            note=row.note,
        )


def _send_email(settings: Settings, out: Outgoing) -> str:
    if not settings.smtp_host or not settings.smtp_from:
        raise RuntimeError("SMTP is not configured (DMDESK_SMTP_HOST, DMDESK_SMTP_FROM)")
    domain = settings.smtp_from.rsplit("@", 1)[-1].strip(">")
    token = reply_token(settings.effective_secret_key(), out.conversation_id)
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = out.target
    msg["Subject"] = out.subject
    msg["Reply-To"] = f"reply+{token}@{domain}"
    msg["Message-ID"] = make_msgid(f"conv{out.conversation_id}", domain=domain)
    intro = f"Note: {out.note}\n\n" if out.note else ""
    msg.set_content(f"{intro}Transcript:\n\n{out.transcript}\n\nReply to this e-mail to answer.")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        if settings.smtp_user and settings.smtp_password:
            smtp.starttls()
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(msg)
    return f"sent to {out.target}"


def _post_ticket(settings: Settings, out: Outgoing, *, now: datetime) -> str:
    payload: dict[str, Any] = {
        "escalation_id": out.escalation_id,
        "conversation_id": out.conversation_id,
        "subject": out.subject,
        "note": out.note,
        "transcript": out.transcript,
    }
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(ticket_secret(settings), body, int(now.timestamp())),
        "X-Dmdesk-Escalation": str(out.escalation_id),
    }
    resp = httpx.post(out.target, content=body, headers=headers, timeout=TIMEOUT_SECONDS)
    if not 200 <= resp.status_code < 300:
        raise RuntimeError(f"HTTP {resp.status_code}")
    return f"HTTP {resp.status_code}"


def deliver_escalation(
    db: Database, *, settings: Settings, clock: Clock, escalation_id: int
) -> str:
    """Attempt one delivery and record it; returns the escalation's new state."""
    out = _load(db, escalation_id)
    if out is None:
        return "skipped"
    try:
        if out.kind == "email":
            detail, ok = _send_email(settings, out), True
        else:
            detail, ok = _post_ticket(settings, out, now=clock()), True
    except (OSError, smtplib.SMTPException, httpx.HTTPError, RuntimeError) as exc:
        detail, ok = f"{type(exc).__name__}: {exc}", False
        log.warning("escalation delivery failed", extra={"escalation_id": escalation_id})
    row = db.write(
        lambda s: do_record_escalation_attempt(
            s, escalation_id=escalation_id, ok=ok, detail=detail, at=clock()
        )
    )
    return row.state


def deliver_due(db: Database, *, settings: Settings, clock: Clock) -> int:
    with db.session() as s:
        ids = due_escalations(s, now=clock())
    for escalation_id in ids:
        deliver_escalation(db, settings=settings, clock=clock, escalation_id=escalation_id)
    return len(ids)
