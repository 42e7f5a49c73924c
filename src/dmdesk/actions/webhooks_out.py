"""Outbound webhooks so any CRM can follow: subscriptions, a signed delivery per event
(HMAC-SHA256 over timestamp and body), retries with backoff, and the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.actions.orders import on_message_stored
from dmdesk.bus import EventBus
from dmdesk.db.database import Database
from dmdesk.db.events import PublishedEvent, record_event
from dmdesk.db.secretbox import SecretBox
from dmdesk.db.upsert import insert_ignore
from dmdesk.domain.clock import Clock
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.models import Event
from dmdesk.models.people import OutboundDelivery, WebhookSubscription

log = logging.getLogger(__name__)
WATCHED = ("contact.*", "conversation.*", "conversion.*", "lead.*", "spike.*")
SIGNATURE_HEADER = "X-Dmdesk-Signature"
BUS_THREAD = "dmdesk-bus"
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`; receivers should refuse old t."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if not parts.get("t", "").isdigit():
        return False
    expected = sign(secret, body, int(parts["t"]))
    return hmac.compare_digest(expected, header)


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20)), LONGEST_WAIT)


def matches(patterns: list[str], event_type: str) -> bool:
    prefix = event_type.split(".", 1)[0] + ".*"
    return any(p in ("*", event_type, prefix) for p in patterns)


def do_create_subscription(
    session: Session,
    *,
    workspace_id: int,
    url: str,
    event_types: list[str],
    box: SecretBox,
    actor_id: int,
    at: datetime,
) -> tuple[WebhookSubscription, str]:
    """A subscription and its signing secret (shown once, stored encrypted)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("the URL must be http(s)", field="url")
    types = event_types or list(WATCHED)
    unknown = [t for t in types if not any(matches([w], t) or t == w for w in WATCHED)]
    if unknown:
        raise Invalid(f"cannot subscribe to {', '.join(unknown)}", field="event_types")
    secret = secrets.token_urlsafe(32)
    last = session.scalar(select(func.max(Event.id)).where(Event.workspace_id == workspace_id))
    sub = WebhookSubscription(
        last_event_id=last or 0,
        workspace_id=workspace_id,
        url=url,
        is_active=True,
        secret_encrypted=box.seal({"secret": secret}),
        event_types=types,
        created_at=at,
    )
    session.add(sub)
    session.flush()
    record_event(
        session,
        workspace_id=workspace_id,
        type="webhook.subscribed",
        at=at,
        actor_kind="user",
        actor_id=actor_id,
        data={"subscription_id": sub.id},
    )
    return sub, secret


def do_delete_subscription(
    session: Session, *, workspace_id: int, subscription_id: int, actor_id: int, at: datetime
) -> None:
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None or sub.workspace_id != workspace_id:
        raise NotFound("subscription not found")
    session.delete(sub)
    record_event(
        session,
        workspace_id=workspace_id,
        type="webhook.unsubscribed",
        at=at,
        actor_kind="user",
        actor_id=actor_id,
        data={"subscription_id": subscription_id},
    )


def event_body(event: Event) -> str:
    return json.dumps(
        {
            "id": event.id,
            "type": event.type,
            "workspace_id": event.workspace_id,
            "conversation_id": event.conversation_id,
            "occurred_at": event.occurred_at.isoformat(),
            "data": event.data,
        },
        default=str,
        separators=(",", ":"),
    )


def _delivery(sub: WebhookSubscription, event: Event, at: datetime) -> dict[str, Any]:
    return {
        "subscription_id": sub.id,
        "workspace_id": event.workspace_id,
        "event_id": event.id,
        "event_type": event.type,
        "body": event_body(event),
        "conversation_id": event.conversation_id,
        "person_id": event.data.get("person_id"),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }


def do_fan_out(
    session: Session, *, at: datetime, workspace_id: int | None = None, limit: int = 1000
) -> int:
    """Turn new events into pending deliveries, from each subscription's cursor in the event
    log: durable (a crash between commit and the bus loses nothing) and idempotent.
    No event is recorded: the delivery row is itself the log (and events here would loop)."""
    query = select(WebhookSubscription).where(WebhookSubscription.is_active.is_(True))
    if workspace_id is not None:
        query = query.where(WebhookSubscription.workspace_id == workspace_id)
    count = 0
    for sub in session.scalars(query.with_for_update() if _pg(session) else query).all():
        events = session.scalars(
            select(Event)
            .where(Event.workspace_id == sub.workspace_id, Event.id > sub.last_event_id)
            .order_by(Event.id)
            .limit(limit)
        ).all()
        for event in (e for e in events if matches(sub.event_types, e.type)):
            new = insert_ignore(
                session,
                OutboundDelivery,
                _delivery(sub, event, at),
                conflict=["subscription_id", "event_id"],
            )
            count += new is not None
        if events:
            sub.last_event_id = events[-1].id
    return count


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _has_subscribers(db: Database, workspace_id: int) -> bool:
    with db.session() as s:
        found = s.scalars(
            select(WebhookSubscription.id).where(
                WebhookSubscription.workspace_id == workspace_id,
                WebhookSubscription.is_active.is_(True),
            )
        ).first()
    return found is not None


class SubscriberLookup:
    """Whether a workspace has active subscriptions, read at most every `ttl` seconds;
    `webhook.*` events (subscribed, unsubscribed) drop the copy at once. A stale "none"
    only delays delivery: the delivery job fans out from each subscription's cursor."""

    def __init__(self, db: Database, ttl: float = 5.0) -> None:
        self._db, self._ttl = db, ttl
        self._lock = threading.Lock()
        self._known: dict[int, tuple[float, bool]] = {}

    def invalidate(self, event: PublishedEvent) -> None:
        with self._lock:
            self._known.pop(event.workspace_id, None)

    def __call__(self, workspace_id: int) -> bool:
        now = time.monotonic()
        with self._lock:
            known = self._known.get(workspace_id)
        if known is not None and now - known[0] < self._ttl:
            return known[1]
        found = _has_subscribers(self._db, workspace_id)
        with self._lock:
            self._known[workspace_id] = (now, found)
        return found


def subscriber(
    db: Database, clock: Clock, lookup: Callable[[int], bool] | None = None
) -> Callable[[PublishedEvent], None]:
    """The bus handler (fast path): fan out right after commit. A cheap (cached) read
    first, so workspaces without subscriptions cost no write; nothing once the writer
    has stopped."""
    has_subscribers = lookup or (lambda ws: _has_subscribers(db, ws))

    def on_event(event: PublishedEvent) -> None:
        if threading.current_thread().name == BUS_THREAD and not db.writer.running:
            return  # shutting down: the delivery job catches up from the cursor
        if has_subscribers(event.workspace_id):
            db.write(lambda s: do_fan_out(s, workspace_id=event.workspace_id, at=clock()))

    return on_event


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    status: int | None
    error: str | None


def _post(
    client: httpx.Client, row: OutboundDelivery, url: str, secret: str, now: datetime
) -> Attempt:
    body = row.body.encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body, int(now.timestamp())),
        "X-Dmdesk-Event": row.event_type,
        "X-Dmdesk-Delivery": str(row.id),
    }
    try:
        resp = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Attempt(row.id, None, type(exc).__name__)
    ok = 200 <= resp.status_code < 300
    return Attempt(row.id, resp.status_code, None if ok else f"HTTP {resp.status_code}")


def do_record_attempt(session: Session, *, attempt: Attempt, at: datetime) -> str:
    row = session.get_one(OutboundDelivery, attempt.delivery_id)
    row.attempts += 1
    row.last_status, row.last_error = attempt.status, attempt.error
    if attempt.error is None:
        row.status, row.delivered_at = "delivered", at
    elif row.attempts >= MAX_ATTEMPTS:
        row.status = "dead"
    else:
        row.status, row.next_attempt_at = "retrying", at + backoff(row.attempts)
    return row.status


def _record(db: Database, attempt: Attempt, clock: Clock) -> None:
    db.write(lambda s: do_record_attempt(s, attempt=attempt, at=clock()))


def deliver_due(
    db: Database, *, box: SecretBox, clock: Clock, client: httpx.Client, limit: int = 50
) -> int:
    """The delivery job: POST every due delivery once; returns how many were attempted."""
    now = clock()
    db.write(lambda s: do_fan_out(s, at=now))
    with db.session() as s:
        due = s.execute(
            select(OutboundDelivery, WebhookSubscription.url, WebhookSubscription.secret_encrypted)
            .join(WebhookSubscription, WebhookSubscription.id == OutboundDelivery.subscription_id)
            .where(
                OutboundDelivery.status.in_(("pending", "retrying")),
                OutboundDelivery.next_attempt_at <= now,
            )
            .order_by(OutboundDelivery.id)
            .limit(limit)
        ).all()
    for row, url, sealed in due:
        attempt = _post(client, row, url, str(box.open(sealed)["secret"]), now)
        _record(db, attempt, clock)
        if attempt.error:
            log.info(
                "webhook delivery failed", extra={"delivery_id": row.id, "error": attempt.error}
            )
    return len(due)


def install(hooks: list[Any], bus: EventBus, db: Database, clock: Clock) -> None:
    """Wire the people capability: the order-number hook and the webhook fan-out."""
    hooks.append(on_message_stored)
    lookup = SubscriberLookup(db)
    bus.subscribe("webhook.*", lookup.invalidate)
    for pattern in WATCHED:
        bus.subscribe(pattern, subscriber(db, clock, lookup))
