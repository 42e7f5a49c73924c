"""Conversions credited to DMs, and tracked links: signed short ids, UTM redirects, clicks,
and attribution of a later conversion to the DM, its agent, channel, category and content."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.orders import (
    ImportReport,
    RowError,
    parse_currency,
    parse_money,
    parse_time,
)
from dmdesk.actions.people import do_ensure_person, do_set_stage
from dmdesk.db.events import record_event
from dmdesk.db.writer import run_in_savepoint
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.models import Contact, Conversation
from dmdesk.models.people import Conversion, LinkClick, TrackedLink

CONVERSION_TYPES = ("booking", "purchase", "signup")
SOURCES = ("manual", "api", "link", "csv")
CLICK_PARAM = "dmd_click"
# What identifies the content that started a DM; the rest of a referral is not kept.
CONTENT_KEYS = ("source", "ref", "ad_id", "post_id", "url", "title")


def content_of(referral: dict[str, Any] | None) -> dict[str, Any] | None:
    kept = {k: referral[k] for k in CONTENT_KEYS if referral and referral.get(k)}
    return kept or None


def _signature(secret: str, token: str) -> str:
    mac = hmac.new(secret.encode(), f"tracked-link:{token}".encode(), hashlib.sha256)
    return mac.hexdigest()[:20]


def public_id(secret: str, token: str) -> str:
    """The id in `/l/{id}`: a random token plus its HMAC, so forged ids fail unread."""
    return f"{token}.{_signature(secret, token)}"


def verify_public_id(secret: str, value: str) -> str | None:
    token, _, sig = value.partition(".")
    if not token or not sig or len(value) > 80:
        return None
    return token if hmac.compare_digest(sig, _signature(secret, token)) else None


def _default_utm(conv: Conversation) -> dict[str, str]:
    utm = {"utm_source": "dmdesk", "utm_medium": "dm", "utm_campaign": f"conv-{conv.id}"}
    referral = conv.referral or {}
    if content := referral.get("ref") or referral.get("post_id") or referral.get("source"):
        utm["utm_content"] = str(content)[:100]
    return utm


def do_create_link(
    session: Session,
    *,
    conv: Conversation,
    target_url: str,
    utm: dict[str, str] | None,
    actor_id: int | None,
    at: datetime,
) -> TrackedLink:
    parts = urlsplit(target_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("the target must be an http(s) URL", field="target_url")
    bad = [k for k in utm or {} if not k.startswith("utm_")]
    if bad:
        raise Invalid(f"UTM parameters start with utm_ ({', '.join(bad)})", field="utm")
    link = TrackedLink(
        workspace_id=conv.workspace_id,
        conversation_id=conv.id,
        token=secrets.token_urlsafe(12),
        target_url=target_url,
        utm={**_default_utm(conv), **(utm or {})},
        clicks=0,
        created_by=actor_id,
        created_at=at,
    )
    session.add(link)
    session.flush()
    record_event(
        session,
        workspace_id=conv.workspace_id,
        type="link.created",
        at=at,
        conversation_id=conv.id,
        actor_id=actor_id,
        data={"link_id": link.id},
    )
    return link


def _redirect_url(link: TrackedLink, click_key: str) -> str:
    parts = urlsplit(link.target_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in link.utm]
    query += [*link.utm.items(), (CLICK_PARAM, click_key)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def do_record_click(session: Session, *, link_id: str, secret: str, at: datetime) -> str:
    """Count a click and answer the redirect target; a forged id raises NotFound, unrecorded."""
    token = verify_public_id(secret, link_id)
    link = (
        session.scalars(select(TrackedLink).where(TrackedLink.token == token)).first()
        if token
        else None
    )
    if link is None:
        raise NotFound("link not found")
    click = LinkClick(link_id=link.id, click_key=secrets.token_urlsafe(12), clicked_at=at)
    session.add(click)
    link.clicks += 1
    session.flush()
    record_event(
        session,
        workspace_id=link.workspace_id,
        type="link.clicked",
        at=at,
        conversation_id=link.conversation_id,
        actor_kind="contact",
        data={"link_id": link.id, "click_id": click.id},
    )
    return _redirect_url(link, click.click_key)


@dataclass(frozen=True)
class ConversionIn:
    type: str
    value: Decimal
    currency: str
    occurred_at: datetime
    conversation_id: int | None = None
    click_key: str | None = None
    external_ref: str | None = None


def _resolve(
    session: Session, workspace_id: int, data: ConversionIn
) -> tuple[Conversation, int | None]:
    click_id = None
    conv_id = data.conversation_id
    if data.click_key:
        row = session.execute(
            select(LinkClick.id, TrackedLink.conversation_id, TrackedLink.workspace_id)
            .join(TrackedLink, TrackedLink.id == LinkClick.link_id)
            .where(LinkClick.click_key == data.click_key)
        ).first()
        if row is None or row[2] != workspace_id:
            raise NotFound("click not found", field="click_id")
        click_id, conv_id = row[0], row[1]
    conv = session.get(Conversation, conv_id) if conv_id else None
    if conv is None or conv.workspace_id != workspace_id:
        raise NotFound("conversation not found", field="conversation_id")
    return conv, click_id


def _already_reported(
    session: Session, workspace_id: int, external_ref: str | None
) -> Conversion | None:
    if not external_ref:
        return None
    return session.scalars(
        select(Conversion).where(
            Conversion.workspace_id == workspace_id, Conversion.external_ref == external_ref
        )
    ).first()


def do_record_conversion(
    session: Session,
    *,
    workspace_id: int,
    data: ConversionIn,
    source: str,
    actor_id: int | None,
    at: datetime,
) -> Conversion:
    """Credit an outcome to a DM (directly or through a click); idempotent on external_ref."""
    if data.type not in CONVERSION_TYPES:
        raise Invalid(f"type must be one of {', '.join(CONVERSION_TYPES)}", field="type")
    existing = _already_reported(session, workspace_id, data.external_ref)
    if existing is not None:
        return existing
    conv, click_id = _resolve(session, workspace_id, data)
    person = do_ensure_person(session, contact=session.get_one(Contact, conv.contact_id), at=at)
    row = Conversion(
        workspace_id=workspace_id, type=data.type, value=data.value, currency=data.currency,
        occurred_at=data.occurred_at, conversation_id=conv.id, person_id=person.id,
        agent_id=conv.assignee_id, channel_id=conv.channel_id, category=conv.category,
        content=content_of(conv.referral), click_id=click_id, source=source,
        external_ref=data.external_ref, created_by=actor_id, created_at=at,
    )  # fmt: skip
    session.add(row)
    session.flush()
    record_event(
        session,
        workspace_id=workspace_id,
        type="conversion.recorded",
        at=at,
        conversation_id=conv.id,
        actor_id=actor_id,
        data=conversion_event_data(row),
    )
    if data.type == "purchase":
        do_set_stage(
            session,
            person=person,
            stage="customer",
            actor_id=actor_id,
            at=at,
            conversation_id=conv.id,
        )
    return row


def conversion_event_data(row: Conversion) -> dict[str, Any]:
    return {
        "conversion_id": row.id,
        "type": row.type,
        "value": float(row.value),
        "currency": row.currency,
        "conversation_id": row.conversation_id,
        "agent_id": row.agent_id,
        "channel_id": row.channel_id,
        "category": row.category,
        "source": row.source,
        "via_link": row.click_id is not None,
    }


def _optional(raw: str) -> str | None:
    return raw.strip() or None


CONVERSION_COLUMNS: dict[str, tuple[Any, bool]] = {
    "type": (lambda s: s.strip().lower(), True),
    "value": (parse_money, True),
    "currency": (parse_currency, True),
    "occurred_at": (parse_time, True),
    "click_id": (_optional, False),
    "conversation_id": (int, False),
    "external_ref": (_optional, False),
}


class _NothingImported(Exception):
    """Raised to roll an all-or-nothing import back."""


def _conversion_row(values: dict[str, Any]) -> ConversionIn:
    return ConversionIn(
        type=values["type"],
        value=values["value"],
        currency=values["currency"],
        occurred_at=values["occurred_at"],
        conversation_id=values.get("conversation_id"),
        click_key=values.get("click_id"),
        external_ref=values.get("external_ref"),
    )


def do_import_conversions(
    session: Session,
    *,
    workspace_id: int,
    rows: list[tuple[int, dict[str, Any]]],
    errors: list[RowError],
    import_valid: bool,
    actor_id: int | None,
    at: datetime,
) -> ImportReport:
    """Conversions reported later (e.g. by a shop) for clicks or conversations, from CSV."""
    report = ImportReport(errors=list(errors))
    if errors and not import_valid:
        report.committed = False
        return report

    def one(values: dict[str, Any]) -> Callable[[Session], Conversion]:
        return lambda s: do_record_conversion(
            s,
            workspace_id=workspace_id,
            data=_conversion_row(values),
            source="csv",
            actor_id=actor_id,
            at=at,
        )

    def work(s: Session) -> None:
        for line, values in rows:
            _f, _r, error = run_in_savepoint(s, one(values))
            if isinstance(error, Invalid | NotFound):
                report.errors.append(RowError(line, error.field or "type", error.message))
            elif error is not None:
                raise error
            else:
                report.imported += 1
        if report.errors and not import_valid:
            raise _NothingImported

    _f, _r, error = run_in_savepoint(session, work)
    if isinstance(error, _NothingImported):
        report.committed, report.imported = False, 0
    elif error is not None:
        raise error
    return report
